using Npgsql;
using Xunit;

namespace PgTenancy.Citus.Tests;

/// <summary>
/// The Citus cluster these tests run on: <c>PGTENANCY_CITUS_CONNECTION</c>, a superuser connection string to a
/// coordinator that holds no shards, with at least two workers. Citus is not in the package registries, so CI has no
/// cluster: without the variable every test here reports itself skipped with that reason — the one exception to "a
/// missing server is a failure". With the variable set, a cluster that is not as described fails the tests, naming what
/// is wrong.
/// </summary>
public sealed class CitusCluster : IAsyncLifetime
{
    public const string Variable = "PGTENANCY_CITUS_CONNECTION";

    private const string MissingReason =
        $"No Citus cluster: set {Variable} to a superuser connection string of a coordinator (no shards on it, at least two workers) to run these tests. See docs/citus.md.";

    private string? _connectionString;

    /// <summary>Whether a cluster is configured (fixtures make nothing without one; the tests then skip).</summary>
    public bool Configured => _connectionString is not null;

    /// <summary>The coordinator, as the superuser; skips the calling test when no cluster is configured.</summary>
    public string ConnectionString
    {
        get
        {
            Assert.SkipWhen(_connectionString is null, MissingReason);
            return _connectionString!;
        }
    }

    public async ValueTask InitializeAsync()
    {
        _connectionString = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;
        if (_connectionString is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT extversion FROM pg_extension WHERE extname = 'citus'),
                   (SELECT count(*) FROM pg_dist_node WHERE groupid <> 0 AND isactive AND noderole = 'primary' AND shouldhaveshards),
                   (SELECT count(*) FROM pg_dist_node WHERE groupid = 0 AND shouldhaveshards),
                   (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var problems = new List<string>();
        if (reader.IsDBNull(0))
        {
            problems.Add("the citus extension is not installed in this database (CREATE EXTENSION citus)");
        }
        else
        {
            if (reader.GetInt64(1) < 2)
            {
                problems.Add($"it has {reader.GetInt64(1)} active workers with shards; at least 2 are needed (citus_add_node)");
            }

            if (reader.GetInt64(2) > 0)
            {
                problems.Add("the coordinator holds shards, which makes set_config look as if it worked (citus_set_node_property(…, 'shouldhaveshards', false))");
            }
        }

        if (!reader.GetBoolean(3))
        {
            problems.Add("the connection's role is not a superuser (it creates schemas, roles and distributed tables)");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"{Variable} names a server that is not a usable Citus coordinator: {string.Join("; ", problems)}.");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
