// The PgTenancy five-minute tour. It starts a throwaway, hardened PostgreSQL on this machine (TLS 1.3, SCRAM only,
// pgaudit, PgBouncer in front when installed), shows what runs, and removes everything when it ends.
using Npgsql;
using PgTenancy.Testing;

Console.WriteLine("Starting a throwaway PostgreSQL server…");
await using var server = await PostgresServer.StartAsync(b => b.WithPgBouncerIfInstalled());
Console.WriteLine(server.Describe());
if (!server.PgAuditEnabled || !server.HasPgBouncer)
{
    Console.WriteLine("For the audit log and the pooler too: apt-get install postgresql-15-pgaudit pgbouncer (./test.sh installs them when run as root).");
}

await using var database = await server.CreateDatabaseAsync("quickstart");
Console.WriteLine($"Database '{database.Name}': owner role '{database.OwnerRole}', application role '{database.AppRole}' (not superuser, no BYPASSRLS).");

await using (var connection = new NpgsqlConnection(database.AppConnectionString))
{
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(
        "SELECT current_user, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
    await using var reader = await command.ExecuteReaderAsync();
    await reader.ReadAsync();
    Console.WriteLine($"Connected as {reader.GetString(0)} over {reader.GetString(1)} ({reader.GetString(2)}).");
}

if (server.HasPgBouncer)
{
    await using var pooled = new NpgsqlConnection(database.ConnectionString(TestRole.App, throughPgBouncer: true));
    await pooled.OpenAsync();
    await using var command = new NpgsqlCommand("SELECT current_user", pooled);
    Console.WriteLine($"Through PgBouncer (port {server.PgBouncerPort}) as {await command.ExecuteScalarAsync()}.");
}

Console.WriteLine("Done: the server and its files are removed on exit.");
return 0;
