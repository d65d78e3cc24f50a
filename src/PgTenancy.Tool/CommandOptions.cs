using System.CommandLine;

namespace PgTenancy.Tool;

/// <summary>
/// The options of a parsed command, read by name: what System.CommandLine parsed and validated, as the commands use it
/// (an option that was not given is null, so a command can fall back to its input file or a default).
/// </summary>
internal sealed class CommandOptions(ParseResult result)
{
    /// <summary>An option with one value.</summary>
    public static Option<string> Value(string name, string description, params string[] onlyFrom)
    {
        var option = new Option<string>(name) { Description = description };
        if (onlyFrom.Length > 0)
        {
            option.AcceptOnlyFromAmong(onlyFrom);
        }

        return option;
    }

    /// <summary>An option that may be given several times, each with one value.</summary>
    public static Option<string[]> Repeatable(string name, string description) =>
        new(name) { Description = description + " Repeat for several." };

    /// <summary>A flag without a value.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>The option's value, or null when it was not given.</summary>
    public string? this[string name] => result.GetResult(name) is null ? null : result.GetValue<string>(name);

    /// <summary>Every value of a repeatable option, or null when it was not given.</summary>
    public IReadOnlyList<string>? All(string name) => result.GetResult(name) is null ? null : result.GetValue<string[]>(name);

    /// <summary>Whether a flag was given.</summary>
    public bool Has(string name) => result.GetResult(name) is not null && result.GetValue<bool>(name);

    /// <summary>The value, or an error that names the option and what it is for.</summary>
    /// <exception cref="CommandLineException">The option was not given.</exception>
    public string Required(string name, string purpose) => this[name] ?? throw new CommandLineException($"{name} is required: {purpose}.");
}

/// <summary>A command line the tool cannot act on; the message says which option and why.</summary>
internal sealed class CommandLineException(string message) : Exception(message);
