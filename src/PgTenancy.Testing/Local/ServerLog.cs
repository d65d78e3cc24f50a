namespace PgTenancy.Testing.Local;

/// <summary>Reads the end of a server's log for error messages.</summary>
internal static class ServerLog
{
    public static string Tail(string path, int lines)
    {
        try
        {
            // FileShare.ReadWrite: the server still has the file open for writing.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(the log {path} could not be read: {e.Message})";
        }
    }
}
