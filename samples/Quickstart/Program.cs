// The PgTenancy five-minute tour. It starts a throwaway, hardened PostgreSQL on this machine (TLS 1.3, SCRAM only,
// pgaudit and PgBouncer when installed), puts two tenants' orders in one table under row-level security, and shows
// tenant A reading its own rows and failing to touch B's — through TenantDataSource, as the application role, with a
// signed tenant: the policies trust only a tenant token signed with a key the application holds and the role cannot read,
// so neither an injected set_config nor the role's stolen password reaches another tenant.
// Everything it started is removed when it ends.
using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancy;
using PgTenancy.Doctor;
using PgTenancy.Testing;
using Quickstart;

Console.WriteLine("Starting a throwaway PostgreSQL server…");
await using var server = await PostgresServer.StartAsync(b => b.WithPgBouncerIfInstalled());
Console.WriteLine(server.Describe());
if (!server.PgAuditEnabled || !server.HasPgBouncer)
{
    Console.WriteLine("For the audit log and the pooler too: apt-get install postgresql-15-pgaudit pgbouncer (./test.sh installs them when run as root).");
}

await using var database = await server.CreateDatabaseAsync("quickstart");
Console.WriteLine($"Database '{database.Name}': owner role '{database.OwnerRole}', application role '{database.AppRole}' (not superuser, no BYPASSRLS, not the owner).");

// 1. The owner migrates the schema: the orders table, the binding's procedures, the app role's privileges and
//    row-level security, all as EF Core migration operations (see ShopMigration.cs; `dotnet ef migrations script`
//    shows the SQL).
if (database.AppRole != ShopMigration.AppRole)
{
    throw new InvalidOperationException($"The migration grants to '{ShopMigration.AppRole}', but the application role is '{database.AppRole}'.");
}

await using (var owner = new ShopContext(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(database.OwnerConnectionString).UseTenancy().Options))
{
    await owner.Database.MigrateAsync();
}

// The signing key: installed by the owner (`pgtenancy keys add` in production), and given to the application through
// configuration — a secret store, never source code or a migration. Here it is made on the spot.
var signingKey = TenantSigningKey.Generate(1);
await using (var ownerPool = NpgsqlDataSource.Create(database.OwnerConnectionString))
{
    await TenantSigningKeys.AddAsync(ownerPool, signingKey);
}

var signed = new TenancyOptions { SigningKey = signingKey };

// Fewer ways in, as `pgtenancy harden` writes them (roles.sql): no temporary objects for PUBLIC, and no other session's
// query text for the application role. Per database, by a superuser.
await using (var admin = NpgsqlDataSource.Create(database.AdminConnectionString))
{
    await using var harden = admin.CreateCommand(TenantRoles.RevokeTemporaryFromPublic(database.Name) + TenantRoles.HideOtherSessionsQueries());
    await harden.ExecuteNonQueryAsync();
}

// 2. The application connects as the app role through a TenantDataSource: every statement is bound to the tenant
//    in scope when it runs, in the same round trip, for that statement's transaction only, as a short-lived token.
await using var appPool = NpgsqlDataSource.Create(database.AppConnectionString);
await using var dataSource = appPool.WithTenancy(signed);
var tenantA = TenantId.Parse("aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa");
var tenantB = TenantId.Parse("bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb");

await AddOrdersAsync(tenantA, "espresso machine", "grinder");
await AddOrdersAsync(tenantB, "tea kettle");

using (TenantScope.Begin(tenantA))
{
    await using var connection = await dataSource.OpenConnectionAsync();
    Console.WriteLine($"Tenant A reads its orders: {string.Join(", ", await ItemsAsync(connection))}");

    await using var steal = connection.CreateCommand();
    steal.CommandText = "UPDATE orders SET item = 'stolen' WHERE tenant_id = @b";
    steal.Parameters.AddWithValue("b", Guid.Parse(tenantB.Value));
    Console.WriteLine($"Tenant A updates B's orders: {await steal.ExecuteNonQueryAsync()} rows changed.");

    steal.CommandText = "INSERT INTO orders (tenant_id, item) VALUES (@b, 'planted')";
    try
    {
        await steal.ExecuteNonQueryAsync();
        Console.WriteLine("Tenant A inserted a row for B: isolation is broken.");
        return 1;
    }
    catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
    {
        Console.WriteLine($"Tenant A inserts a row for B: refused ({e.MessageText}).");
    }
}

try
{
    await using var connection = await dataSource.OpenConnectionAsync();
    await ItemsAsync(connection);
    Console.WriteLine("A statement ran without a tenant: isolation is broken.");
    return 1;
}
catch (TenantContextMissingException)
{
    Console.WriteLine("Without a tenant in scope: TenantContextMissingException, and nothing was sent.");
}

// 3. The same with EF Core: UseTenancy() binds every query and SaveChanges; new orders get the tenant in scope.
var efOptions = new DbContextOptionsBuilder<ShopContext>().UseNpgsql(appPool).UseTenancy(o => o.SigningKey(signingKey)).Options;
using (TenantScope.Begin(tenantB))
{
    await using var shop = new ShopContext(efOptions);
    shop.Orders.Add(new Order { Item = "teapot" }); // TenantId filled in from the scope
    await shop.SaveChangesAsync();
    var items = await shop.Orders.OrderBy(o => o.Id).Select(o => o.Item).ToListAsync();
    Console.WriteLine($"Tenant B through EF Core (UseTenancy, IsTenantScoped) reads: {string.Join(", ", items)}");
}

if (server.HasPgBouncer)
{
    await using var pooled = NpgsqlDataSource.Create(database.ConnectionString(TestRole.App, throughPgBouncer: true));
    await using var bouncedSource = pooled.WithTenancy(signed);
    using var scope = TenantScope.Begin(tenantB);
    await using var connection = await bouncedSource.OpenConnectionAsync();
    Console.WriteLine($"Tenant B through PgBouncer (transaction pooling, port {server.PgBouncerPort}) reads: {string.Join(", ", await ItemsAsync(connection))}");
}

// 4. An attacker with the application role's password (or an injected set_config) names tenant B: no row, because the
//    policies compare with the tenant of a verified token, and only the key's holder can sign one.
await using (var stolen = await appPool.OpenConnectionAsync())
{
    await using var forge = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, false)", stolen);
    forge.Parameters.AddWithValue(tenantB.Value);
    await forge.ExecuteNonQueryAsync();
    await using var count = new NpgsqlCommand("SELECT count(*) FROM orders", stolen);
    var rows = (long)(await count.ExecuteScalarAsync())!;
    Console.WriteLine($"The app role's password alone, tenant B set by hand: {rows} rows.");
    if (rows != 0)
    {
        Console.WriteLine("A forged tenant read rows: isolation is broken.");
        return 1;
    }
}

// 5. The doctor audits the server as an administrator would in CI (`pgtenancy doctor`): roles, RLS, signed tenants, TLS, pg_hba,
//    pgaudit, backups. The throwaway server is hardened, but it archives no WAL and names no pgaudit object-audit
//    role, so the backup and object-audit checks say so (docs/doctor.md has each check's fix).
await using (var admin = NpgsqlDataSource.Create(database.AdminConnectionString))
{
    var report = await TenancyDoctor.RunAsync(admin, new DoctorOptions { AppRole = database.AppRole });
    var counts = report.Results.CountBy(r => r.Status).ToDictionary();
    Console.WriteLine($"Doctor: {report.Results.Count} checks on {report.Target}: {counts.GetValueOrDefault(CheckStatus.Passed)} passed, " +
        $"{counts.GetValueOrDefault(CheckStatus.Failed)} with findings, {counts.GetValueOrDefault(CheckStatus.NotChecked)} not checked.");
    foreach (var finding in report.Findings)
    {
        Console.WriteLine($"  {finding.CheckId} ({finding.Severity}) {finding.Subject}: {finding.Message}");
    }

    if (report.Results.Any(r => r.Check.Id.StartsWith("RLS-", StringComparison.Ordinal) && r.Status != CheckStatus.Passed))
    {
        Console.WriteLine("The doctor found the orders table's row-level security unsound.");
        return 1;
    }
}

Console.WriteLine("Done: the server and its files are removed on exit.");
return 0;

async Task AddOrdersAsync(TenantId tenant, params string[] items)
{
    using var scope = TenantScope.Begin(tenant);
    await using var connection = await dataSource.OpenConnectionAsync();
    foreach (var item in items)
    {
        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO orders (tenant_id, item) VALUES (@tenant, @item)";
        insert.Parameters.AddWithValue("tenant", Guid.Parse(tenant.Value));
        insert.Parameters.AddWithValue("item", item);
        await insert.ExecuteNonQueryAsync();
    }
}

static async Task<List<string>> ItemsAsync(TenantConnection connection)
{
    await using var command = connection.CreateCommand();
    command.CommandText = "SELECT item FROM orders ORDER BY id";
    await using var reader = await command.ExecuteReaderAsync();
    var items = new List<string>();
    while (await reader.ReadAsync())
    {
        items.Add(reader.GetString(0));
    }

    return items;
}
