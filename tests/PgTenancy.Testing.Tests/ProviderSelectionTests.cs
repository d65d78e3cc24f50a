using PgTenancy.Testing;
using PgTenancy.Testing.Provisioning;
using Xunit;

namespace PgTenancy.Testing.Tests;

public sealed class ProviderSelectionTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Connection_variable_wins_over_a_Docker_engine_and_Docker_is_not_probed()
    {
        var probed = false;

        var provider = ProviderSelection.Select(
            null, Environment((ProviderSelection.ConnectionVariable, "Host=db;Username=postgres")), () => probed = true);

        Assert.Equal(ServerProvider.ExistingServer, provider);
        Assert.False(probed);
    }

    [Fact]
    public void Docker_is_chosen_only_when_an_engine_answers()
    {
        Assert.Equal(ServerProvider.Docker, ProviderSelection.Select(null, Environment(), () => true));
        Assert.Equal(ServerProvider.LocalBinaries, ProviderSelection.Select(null, Environment(), () => false));
    }

    [Fact]
    public void Provider_variable_forces_a_provider_over_the_automatic_order()
    {
        var environment = Environment(
            (ProviderSelection.ProviderVariable, "local"), (ProviderSelection.ConnectionVariable, "Host=db"));

        Assert.Equal(ServerProvider.LocalBinaries, ProviderSelection.Select(null, environment, () => true));
    }

    [Fact]
    public void Provider_chosen_in_code_wins_over_the_environment()
    {
        var environment = Environment((ProviderSelection.ProviderVariable, "docker"));

        Assert.Equal(ServerProvider.LocalBinaries, ProviderSelection.Select(ServerProvider.LocalBinaries, environment, () => true));
    }

    [Fact]
    public void Unknown_provider_variable_is_an_error_that_lists_the_valid_values()
    {
        var error = Assert.Throws<PostgresServerException>(
            () => ProviderSelection.Select(null, Environment((ProviderSelection.ProviderVariable, "podman")), () => false));

        Assert.Contains("'podman'", error.Message);
        Assert.Contains("'existing'", error.Message);
        Assert.Contains("'local'", error.Message);
    }
}
