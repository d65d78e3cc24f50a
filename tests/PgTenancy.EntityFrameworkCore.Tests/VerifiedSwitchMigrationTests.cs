using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using PgTenancy.TestSupport.RedTeam;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>
/// The migration the differ writes when a model turns <c>VerifiedPolicies()</c> on (or off), applied to a live database
/// the way <c>dotnet ef database update</c> applies it: each tenant table is moved in the migration's one transaction,
/// while app-role readers keep querying, and none of them ever sees another tenant's row. Between the two, a reader
/// whose binding does not match the policies is refused (no row, or an error), never let through.
/// </summary>
public sealed class VerifiedSwitchMigrationTests(ServerFixture server) : IAsyncLifetime
{
    private readonly TenantSigningKey _key = TenantSigningKey.Generate(1);
    private TestDatabase? _database;

    private TestDatabase Database => _database!;

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
    public async Task Switching_to_verified_policies_and_back_leaves_no_moment_where_another_tenant_is_visible()
    {
        await using (var owner = NpgsqlDataSource.Create(Database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner);
            await TenancyInstaller.InstallVerificationAsync(owner);
            await TenantSigningKeys.AddAsync(owner, _key);
        }

        await MigrateAsync(from: null, to: false);
        await Db.ExecuteAsync(Database.AdminConnectionString, $"""
            GRANT SELECT ON public.documents TO "{Database.AppRole}";
            {DocumentsDatabase.SeedSql}
            """);

        await using var app = NpgsqlDataSource.Create(Database.AppConnectionString);
        var unsigned = new TenantDataSource(app);
        var signed = new TenantDataSource(app, new TenancyOptions { SigningKey = _key });
        var seen = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var readers = new[] { unsigned, signed }.Select(source => ReadUntilStoppedAsync(source, seen, stop.Token)).ToList();

        var beforeUnsigned = await TitlesAsync(unsigned);
        await MigrateAsync(from: false, to: true);
        var afterUnsigned = await TitlesAsync(unsigned);
        var afterSigned = await TitlesAsync(signed);
        await MigrateAsync(from: true, to: false);
        var backUnsigned = await TitlesAsync(unsigned);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(["A doc 1", "A doc 2", "A doc 3"], beforeUnsigned);
        Assert.Empty(afterUnsigned);                                   // the raw setting no longer proves a tenant
        Assert.Equal(["A doc 1", "A doc 2", "A doc 3"], afterSigned);
        Assert.Equal(["A doc 1", "A doc 2", "A doc 3"], backUnsigned);
        Assert.NotEmpty(seen);
        Assert.DoesNotContain(seen, title => !title.StartsWith("A ", StringComparison.Ordinal));
    }

    // Generates the differ's operations between two models and runs them as EF's migrator does: the commands of a
    // migration in one transaction, as the owner. A pause before the end keeps the transaction open while readers run.
    private async Task MigrateAsync(bool? from, bool to)
    {
        await using var target = Context(to);
        await using var source = from is { } verified ? Context(verified) : null;
        var differ = target.GetService<IMigrationsModelDiffer>();
        var operations = differ.GetDifferences(
            source?.GetService<IDesignTimeModel>().Model.GetRelationalModel(), target.GetService<IDesignTimeModel>().Model.GetRelationalModel()).ToList();
        operations.Add(new SqlOperation { Sql = "SELECT pg_sleep(0.3)" });
        var commands = target.GetService<IMigrationsSqlGenerator>().Generate(operations, target.GetService<IDesignTimeModel>().Model);

        await target.GetService<IMigrationCommandExecutor>().ExecuteNonQueryAsync(commands, target.GetService<IRelationalConnection>());
    }

    private SignedDocumentsContext Context(bool verified) => new(new DbContextOptionsBuilder<SignedDocumentsContext>()
        .UseNpgsql(Database.OwnerConnectionString)
        .UseTenancy(o =>
        {
            if (verified)
            {
                o.VerifiedPolicies();
            }
        })
        .Options);

    private static async Task<List<string>> TitlesAsync(TenantDataSource source)
    {
        using var scope = TenantScope.Begin(DocumentsDatabase.A);
        await using var connection = await source.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT title FROM public.documents ORDER BY id";
        var titles = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            titles.Add(reader.GetString(0));
        }

        return titles;
    }

    private static async Task ReadUntilStoppedAsync(TenantDataSource source, ConcurrentBag<string> seen, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                foreach (var title in await TitlesAsync(source))
                {
                    seen.Add(title);
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidTextRepresentation)
            {
                // A token where the old policy casts the raw setting to uuid: refused, which is closed, not open.
            }
        }
    }
}
