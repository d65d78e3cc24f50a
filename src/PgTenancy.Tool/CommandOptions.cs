namespace PgTenancy.Tool;

/// <summary>
/// The options of a command: <c>--name value</c> pairs checked against the names it knows (a name may repeat; the
/// last value wins where one is expected), and flags without a value.
/// </summary>
internal sealed class CommandOptions
{
    private readonly Dictionary<string, List<string>> _values;

    private CommandOptions(Dictionary<string, List<string>> values) => _values = values;

    /// <summary>Parses <paramref name="args"/>; <paramref name="problem"/> says what is wrong when it returns null.</summary>
    public static CommandOptions? Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> known, out string problem, IReadOnlyCollection<string>? flags = null)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        problem = "";
        for (var i = 0; i < args.Count; i++)
        {
            if (flags?.Contains(args[i]) == true)
            {
                values[args[i]] = ["true"];
                continue;
            }

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

            (values.TryGetValue(args[i], out var list) ? list : values[args[i]] = []).Add(args[++i]);
        }

        return new CommandOptions(values);
    }

    /// <summary>The option's last value, or null when it was not given.</summary>
    public string? this[string name] => _values.TryGetValue(name, out var list) ? list[^1] : null;

    /// <summary>Every value of a repeatable option, or null when it was not given.</summary>
    public IReadOnlyList<string>? All(string name) => _values.GetValueOrDefault(name);

    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The value, or an error that names the option and what it is for.</summary>
    /// <exception cref="CommandLineException">The option was not given.</exception>
    public string Required(string name, string purpose) => this[name] ?? throw new CommandLineException($"{name} is required: {purpose}.");
}

/// <summary>A command line the tool cannot act on; the message says which option and why.</summary>
internal sealed class CommandLineException(string message) : Exception(message);
