using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancy.EntityFrameworkCore;

namespace PgTenancy.Docs.Tests.Snippets;

internal static class EfCoreSnippets
{
    public static void Setup(IServiceCollection services, NpgsqlDataSource appRoleDataSource)
    {
        #region ef-setup
        services.AddDbContextPool<ShopContext>(o => o
            .UseNpgsql(appRoleDataSource)          // the application role: NOSUPERUSER NOBYPASSRLS, not the tables' owner
            .UseTenancy());                        // bind every command to the tenant in scope
        #endregion
    }

    public static async Task Bypass(IServiceCollection services, NpgsqlDataSource appRoleDataSource, NpgsqlDataSource bypassRoleDataSource, ShopContext context, DateOnly today)
    {
        #region ef-bypass
        services.AddDbContextPool<ShopContext>(o => o.UseNpgsql(appRoleDataSource)
            .UseTenancy(t => t.AllowBypass(bypassRoleDataSource)));   // a role with BYPASSRLS, used for nothing else

        await using var all = context.CreateCrossTenantContext("nightly invoice run");   // a reason is required
        var overdue = await all.Invoices.Where(i => i.DueDate < today).ToListAsync();  // every tenant's rows
        #endregion
    }
}
