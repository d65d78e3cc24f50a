using Npgsql;
using PgTenancy.Testing;
using Xunit;

#region test-server-fixture-registration
[assembly: AssemblyFixture(typeof(PostgresServerFixture))]   // one server for the test assembly, started by the first test that uses it
#endregion

namespace PgTenancy.Docs.Tests.Snippets;

/// <summary>The shared throwaway server of the getting-started guide, run as written.</summary>
#region test-server-fixture
public sealed class OrdersTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task The_app_role_connects_to_its_own_database()
    {
        var server = await postgres.GetServerAsync();
        await using var database = await server.CreateDatabaseAsync("orders");
        await using var connection = new NpgsqlConnection(database.AppConnectionString);
        await connection.OpenAsync();
        Assert.Equal(database.AppRole, connection.UserName);
    }
}
#endregion
