namespace PgTenancy.Tool;

/// <summary>The <c>--name value</c> options of a command, checked against the names it knows.</summary>
internal sealed class CommandOptions
{
    private readonly Dictionary<string, string> _values;

    private CommandOptions(Dictionary<string, string> values) => _values = values;

    /// <summary>Parses <paramref name="args"/>; <paramref name="problem"/> says what is wrong when it returns null.</summary>
    public static CommandOptions? Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> known, out string problem)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        problem = "";
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                problem = $"'{args[i]}' is not an option with a value.";
                return null;
            }

            if (!known.Contains(args[i]))
            {
                problem = $"unknown option {args[i]}.";
                return null;
            }

            values[args[i]] = args[++i];
        }

        return new CommandOptions(values);
    }

    public string? this[string name] => _values.GetValueOrDefault(name);

    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The value, or an error that names the option and what it is for.</summary>
    public string Required(string name, string purpose) =>
        _values.TryGetValue(name, out var value) ? value : throw new Backups.BackupException($"{name} is required: {purpose}.");
}
