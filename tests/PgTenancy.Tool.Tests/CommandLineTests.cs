using Xunit;

namespace PgTenancy.Tool.Tests;

public sealed class CommandLineTests
{
    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CommandLine.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Version_prints_the_package_version_and_succeeds()
    {
        var (exit, output, _) = await RunAsync("--version");

        Assert.Equal(0, exit);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.Trim());
    }

    [Fact]
    public async Task No_arguments_print_the_usage()
    {
        var (exit, output, _) = await RunAsync();

        Assert.Equal(0, exit);
        Assert.Contains("Usage: pgtenancy <command>", output);
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error_that_says_where_to_look()
    {
        var (exit, output, error) = await RunAsync("dcotor");

        Assert.Equal(CommandLine.UsageError, exit);
        Assert.Empty(output);
        Assert.Contains("'dcotor'", error);
        Assert.Contains("pgtenancy --help", error);
    }
}
