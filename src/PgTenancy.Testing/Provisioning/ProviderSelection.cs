namespace PgTenancy.Testing.Provisioning;

/// <summary>
/// Decides where a test server comes from: an explicit choice, then <c>PGTENANCY_TEST_CONNECTION</c>,
/// then a Docker engine that answers, then the local PostgreSQL binaries (docs/isolation-kit.md, "The throwaway server").
/// </summary>
internal static class ProviderSelection
{
    /// <summary>Names an existing server (a superuser connection string) to use as is.</summary>
    public const string ConnectionVariable = "PGTENANCY_TEST_CONNECTION";

    /// <summary>Forces a provider: <c>existing</c>, <c>docker</c> or <c>local</c>.</summary>
    public const string ProviderVariable = "PGTENANCY_TEST_PROVIDER";

    /// <param name="requested">A provider chosen in code with <see cref="PostgresServerBuilder.WithProvider"/>, if any.</param>
    /// <param name="getEnvironmentVariable">Reads an environment variable (injected for tests).</param>
    /// <param name="dockerEngineAnswers">Asks whether a Docker engine (not merely a client) answers; called only when needed.</param>
    public static ServerProvider Select(
        ServerProvider? requested,
        Func<string, string?> getEnvironmentVariable,
        Func<bool> dockerEngineAnswers)
    {
        if (requested is { } chosen)
        {
            return chosen;
        }

        var forced = getEnvironmentVariable(ProviderVariable);
        if (!string.IsNullOrWhiteSpace(forced))
        {
            return Parse(forced);
        }

        if (!string.IsNullOrWhiteSpace(getEnvironmentVariable(ConnectionVariable)))
        {
            return ServerProvider.ExistingServer;
        }

        return dockerEngineAnswers() ? ServerProvider.Docker : ServerProvider.LocalBinaries;
    }

    private static ServerProvider Parse(string value) => value.Trim().ToUpperInvariant() switch
    {
        "EXISTING" => ServerProvider.ExistingServer,
        "DOCKER" => ServerProvider.Docker,
        "LOCAL" => ServerProvider.LocalBinaries,
        _ => throw new PostgresServerException(
            $"{ProviderVariable}='{value}' is not a provider. Use 'existing' (with {ConnectionVariable}), 'docker' or 'local', or unset it."),
    };
}
