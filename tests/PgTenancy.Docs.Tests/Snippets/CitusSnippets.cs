using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using PgTenancy.EntityFrameworkCore;

namespace PgTenancy.Docs.Tests.Snippets;

internal static class CitusSnippets
{
    public static void EfCore(IServiceCollection services, NpgsqlDataSource coordinatorAppRole)
    {
        #region citus-ef
        services.AddDbContextPool<ShopContext>(o => o
            .UseNpgsql(coordinatorAppRole)         // the coordinator, as the application role
            .UseTenancy(t => t.Citus()));          // SET LOCAL in a transaction; the tenant as a parameter in every query
        #endregion
    }

    public static async Task AdoNet(NpgsqlDataSource coordinatorAppRole, TenantId tenant, long id)
    {
        #region citus-ado
        await using var dataSource = coordinatorAppRole.WithTenancy(new TenancyOptions { Citus = true });

        using (TenantScope.Begin(tenant))
        {
            // The tenant in the WHERE clause is what routes the query to one shard; the policy alone would ask all of them.
            await using var command = dataSource.CreateCommand("SELECT * FROM orders WHERE tenant_id = @tenant AND id = @id");
            command.Parameters.Add(new NpgsqlParameter("tenant", Guid.Parse(tenant.Value)));
            command.Parameters.Add(new NpgsqlParameter("id", id));
            await using var reader = await command.ExecuteReaderAsync();
        }
        #endregion
    }

    public static void ReferenceTable(ModelBuilder modelBuilder)
    {
        #region citus-reference-table
        modelBuilder.Entity<Order>(order => order.IsTenantScoped(o => o.TenantId));   // distributed by TenantId
        modelBuilder.Entity<Country>(country => country.IsCitusReferenceTable());     // shared: a copy on every node
        #endregion
    }

    public static void Verification(MigrationBuilder migrationBuilder)
    {
        #region citus-verification
        migrationBuilder.InstallTenantVerification(citus: true);   // the verifier on every node, its keys a reference table
        #endregion
    }

    private sealed class Country
    {
        public string Code { get; set; } = "";
    }
}
