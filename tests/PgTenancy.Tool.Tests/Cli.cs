namespace PgTenancy.Tool.Tests;

/// <summary>Runs the tool in process, as <c>pgtenancy &lt;args&gt;</c>, and captures what it printed.</summary>
internal static class Cli
{
    public static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CommandLine.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
