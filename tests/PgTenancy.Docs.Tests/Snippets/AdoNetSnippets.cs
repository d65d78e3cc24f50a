using Dapper;
using Npgsql;

namespace PgTenancy.Docs.Tests.Snippets;

internal static class AdoNetSnippets
{
    public static async Task Binding(string appRoleConnectionString, string tenantFromRequest)
    {
        #region ado-binding
        await using var pool = NpgsqlDataSource.Create(appRoleConnectionString);   // the app role, not the tables' owner
        await using var dataSource = pool.WithTenancy();                           // or new TenantDataSource(pool, options)

        using (TenantScope.Begin(TenantId.Parse(tenantFromRequest, TenantIdKind.Uuid)))
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            var orders = await connection.QueryAsync<Order>("SELECT * FROM orders");   // Dapper: only this tenant's rows
        }
        #endregion
    }

    public static async Task Copy(TenantConnection connection)
    {
        #region ado-copy
        await using var transaction = await connection.BeginTransactionAsync();
        using (var export = await connection.BeginTextExportAsync("COPY orders TO STDOUT"))
        {
            var rows = await export.ReadToEndAsync();   // only this tenant's rows
        }

        await transaction.CommitAsync();
        #endregion
    }
}
