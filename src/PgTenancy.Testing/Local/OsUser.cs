namespace PgTenancy.Testing.Local;

/// <summary>Looks up OS users without a native call: <c>/etc/passwd</c> is enough for the users a server runs as.</summary>
internal static class OsUser
{
    public static bool Exists(string name) =>
        File.Exists("/etc/passwd")
        && File.ReadLines("/etc/passwd").Any(line => line.StartsWith(name + ":", StringComparison.Ordinal));
}
