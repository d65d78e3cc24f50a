namespace PgTenancy.Doctor.Checks;

/// <summary>One section of an INI file (pgbouncer.ini's <c>[pgbouncer]</c>, pgbackrest.conf's <c>[global]</c>): keys (lower-case) to their value and line number.</summary>
internal sealed class IniSection
{
    private readonly Dictionary<string, (string Value, int Line)> _settings;

    private IniSection(string path, Dictionary<string, (string Value, int Line)> settings)
    {
        Path = path;
        _settings = settings;
    }

    public string Path { get; }

    /// <summary>Reads <paramref name="section"/> of the file; <c>;</c> and <c>#</c> start comments; the last value of a key wins, as in PgBouncer and pgBackRest.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IniSection Read(string path, string section)
    {
        var settings = new Dictionary<string, (string, int)>(StringComparer.Ordinal);
        var current = "";
        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is ';' or '#')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                current = line[1..^1].Trim().ToLowerInvariant();
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (current == section && equals > 0)
            {
                settings[line[..equals].Trim().ToLowerInvariant()] = (line[(equals + 1)..].Trim(), number);
            }
        }

        return new IniSection(System.IO.Path.GetFullPath(path), settings);
    }

    /// <summary>A setting's value and line, or <see langword="null"/> when the file does not set it.</summary>
    public (string Value, int Line)? Get(string key) => _settings.TryGetValue(key, out var setting) ? setting : null;
}
