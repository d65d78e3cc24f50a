using Xunit;

namespace WebApi.Tests;

/// <summary>What the migrations granted the app role: rows of the tenant tables, not the migration history.</summary>
public sealed class AppRolePrivilegesTests(ShopDatabase shop)
{
    [Fact]
    public async Task The_app_role_reads_the_migration_history_but_cannot_write_it()
    {
        const string history = "public.\"__EFMigrationsHistory\"";

        var privileges = await Db.CountAsync(shop.Database.AdminConnectionString, $"""
            SELECT ((has_table_privilege('webapi_app', '{history}', 'SELECT'))::int * 1000
                 + (has_table_privilege('webapi_app', '{history}', 'INSERT'))::int * 100
                 + (has_table_privilege('webapi_app', '{history}', 'UPDATE'))::int * 10
                 + (has_table_privilege('webapi_app', '{history}', 'DELETE'))::int)::bigint
            """);

        Assert.Equal(1000, privileges);
    }
}
