using Xunit;

namespace PgTenancy.Tool.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public async Task Version_prints_the_package_version_and_succeeds()
    {
        var (exit, output, _) = await Cli.RunAsync("--version");

        Assert.Equal(0, exit);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.Trim());
    }

    [Fact]
    public async Task No_arguments_print_the_usage()
    {
        var (exit, output, _) = await Cli.RunAsync();

        Assert.Equal(0, exit);
        Assert.Contains("Usage: pgtenancy <command>", output);
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error_that_says_where_to_look()
    {
        var (exit, output, error) = await Cli.RunAsync("dcotor");

        Assert.Equal(CommandLine.UsageError, exit);
        Assert.Empty(output);
        Assert.Contains("'dcotor'", error);
        Assert.Contains("pgtenancy --help", error);
    }
}
