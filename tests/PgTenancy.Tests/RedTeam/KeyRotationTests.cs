using Npgsql;
using PgTenancy.TestSupport;
using PgTenancy.TestSupport.RedTeam;
using Xunit;

namespace PgTenancy.Tests.RedTeam;

/// <summary>The rotation procedure of docs/security.md, under load: add the new key, move the application to it, retire the old one.</summary>
[Collection(RedTeamGroup.Name)]
public sealed class KeyRotationTests(RedTeamFixture redTeam)
{
    [Fact]
    public async Task A_key_rotated_under_load_fails_no_request()
    {
        var database = redTeam.Verified;
        await database.ResetAsync();
        var newer = TenantSigningKey.Generate(Random.Shared.Next(1_000, 1_000_000));
        await using var owner = NpgsqlDataSource.Create(database.Database.OwnerConnectionString);
        await using var old = database.BoundDataSource(throughPgBouncer: true);
        await using var rotated = database.BoundDataSource(throughPgBouncer: false, database.Options with { SigningKey = newer });
        var failures = new List<string>();
        var requests = 0;
        using var stopOld = new CancellationTokenSource();
        using var stopNew = new CancellationTokenSource();

        async Task WorkAsync(TenantDataSource dataSource, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                using var scope = TenantScope.Begin(DocumentsDatabase.A);
                try
                {
                    await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);   // a request in flight completes
                    await using var command = connection.CreateCommand();
                    command.CommandText = "SELECT count(*) FROM documents";
                    var seen = (long)(await command.ExecuteScalarAsync(CancellationToken.None))!;
                    lock (failures)
                    {
                        requests++;
                        if (seen != 3)
                        {
                            failures.Add($"saw {seen} rows");
                        }
                    }
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                {
                    lock (failures)
                    {
                        failures.Add(e.Message);
                    }
                }
            }
        }

        var oldWorkers = Enumerable.Range(0, 3).Select(_ => Task.Run(() => WorkAsync(old, stopOld.Token))).ToList();
        await Task.Delay(300);
        await TenantSigningKeys.AddAsync(owner, newer, database.Options);                 // 1. the database accepts both keys
        var newWorkers = Enumerable.Range(0, 3).Select(_ => Task.Run(() => WorkAsync(rotated, stopNew.Token))).ToList();
        await Task.Delay(300);                                                               // 2. the application moves to the new key
        await stopOld.CancelAsync();
        await Task.WhenAll(oldWorkers);
        try
        {
            await TenantSigningKeys.RetireAsync(owner, database.Key.Id, database.Options);  // 3. the old key is retired
            await Task.Delay(300);
            await stopNew.CancelAsync();
            await Task.WhenAll(newWorkers);
        }
        finally
        {
            // The other red-team tests sign with the first key: put it back in use.
            await Db.ExecuteAsync(database.Database.AdminConnectionString, $"UPDATE pgtenancy.tenant_keys SET retired_at = NULL WHERE id = {database.Key.Id}");
        }

        Assert.True(requests > 50, $"only {requests} requests ran");
        Assert.Empty(failures);
    }
}
