using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

public sealed class ConcurrentIndexContext(DbContextOptions<ConcurrentIndexContext> options) : DbContext(options);

/// <summary>A migration with a statement PostgreSQL refuses in a transaction block, as large tables need.</summary>
[DbContext(typeof(ConcurrentIndexContext))]
[Migration("20261130000000_ConcurrentIndex")]
public sealed class ConcurrentIndexMigration : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("CREATE TABLE journal (tenant_id uuid NOT NULL, entry text NOT NULL);");
        migrationBuilder.Sql("CREATE INDEX CONCURRENTLY journal_entry ON journal (tenant_id, entry);", suppressTransaction: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP INDEX CONCURRENTLY journal_entry;", suppressTransaction: true);
        migrationBuilder.Sql("DROP TABLE journal;");
    }
}

/// <summary>Migrations through a context configured with UseTenancy() run as the owner, unbound, transaction or not.</summary>
public sealed class NonTransactionalMigrationTests(ServerFixture server) : IAsyncLifetime
{
    private TestDatabase? _database;

    public async ValueTask InitializeAsync() => _database = await server.Server.CreateDatabaseAsync();

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_migration_with_suppressTransaction_runs_up_and_down_through_a_tenancy_context()
    {
        var options = new DbContextOptionsBuilder<ConcurrentIndexContext>().UseNpgsql(_database!.OwnerConnectionString).UseTenancy().Options;
        await using var context = new ConcurrentIndexContext(options);

        await context.Database.MigrateAsync();
        var afterUp = await IndexExistsAsync();
        await context.GetService<IMigrator>().MigrateAsync("0");
        var afterDown = await IndexExistsAsync();

        Assert.True(afterUp);
        Assert.False(afterDown);
    }

    private async Task<bool> IndexExistsAsync()
    {
        await using var connection = await Db.OpenAsync(_database!.AdminConnectionString);
        await using var command = new NpgsqlCommand("SELECT to_regclass('public.journal_entry') IS NOT NULL", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
