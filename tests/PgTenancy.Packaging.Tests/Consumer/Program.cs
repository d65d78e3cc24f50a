// A user's program on the packed PgTenancy packages: each step prints one "ok:" line the consumer test looks for.
using System.Reflection;
using Consumer;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using PgTenancy;
using PgTenancy.Testing;

static string Setting(string name) =>
    Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"Set {name}.");

var owner = Setting("CONSUMER_OWNER_CONNECTION");
var app = Setting("CONSUMER_APP_CONNECTION");
var admin = Setting("CONSUMER_ADMIN_CONNECTION");
var pgBouncer = Setting("CONSUMER_PGBOUNCER_CONNECTION");

// The package's buildTransitive targets put dotnet ef's design-time services reference into this assembly.
var designTime = typeof(Note).Assembly.GetCustomAttributes<DesignTimeServicesReferenceAttribute>()
    .Any(a => a.TypeName.StartsWith("PgTenancy.EntityFrameworkCore.Design.TenancyDesignTimeServices,", StringComparison.Ordinal));
Console.WriteLine(designTime ? "ok: design-time services referenced" : "missing: design-time services reference");

await using (var migrator = new NotesContext(new DbContextOptionsBuilder<NotesContext>().UseNpgsql(owner).UseTenancy().Options))
{
    await migrator.Database.MigrateAsync();
}

await using (var check = new NpgsqlConnection(admin))
{
    await check.OpenAsync();
    await using var command = new NpgsqlCommand("SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'public.notes'::regclass", check);
    Console.WriteLine((bool)(await command.ExecuteScalarAsync())! ? "ok: migration enabled and forced row-level security" : "missing: row-level security");
}

var a = TenantId.From(Guid.NewGuid());
var b = TenantId.From(Guid.NewGuid());
await using var appPool = NpgsqlDataSource.Create(app);
await using var tenants = appPool.WithTenancy();
foreach (var (tenant, text) in new[] { (a, "a1"), (a, "a2"), (b, "b1") })
{
    using var scope = TenantScope.Begin(tenant);
    await using var connection = await tenants.OpenConnectionAsync();
    await using var insert = connection.CreateCommand();
    insert.CommandText = "INSERT INTO notes (tenant_id, text) VALUES (@tenant, @text)";
    insert.Parameters.AddWithValue("tenant", Guid.Parse(tenant.Value));
    insert.Parameters.AddWithValue("text", text);
    await insert.ExecuteNonQueryAsync();
}

using (TenantScope.Begin(a))
{
    await using var connection = await tenants.OpenConnectionAsync();
    await using var read = connection.CreateCommand();
    read.CommandText = "SELECT string_agg(text, ',' ORDER BY text) FROM notes";
    var seen = await read.ExecuteScalarAsync();
    Console.WriteLine(Equals(seen, "a1,a2") ? "ok: tenant binding (A reads a1,a2)" : $"broken: tenant A read {seen}");
}

var efOptions = new DbContextOptionsBuilder<NotesContext>().UseNpgsql(appPool).UseTenancy().Options;
using (TenantScope.Begin(b))
{
    await using var context = new NotesContext(efOptions);
    var texts = await context.Notes.Select(n => n.Text).ToListAsync();
    Console.WriteLine(texts is ["b1"] ? "ok: EF Core (B reads b1)" : $"broken: tenant B read {string.Join(",", texts)}");
}

var report = await TenantIsolation.VerifyAsync(
    new PooledDbContextFactory<NotesContext>(new DbContextOptionsBuilder<NotesContext>().UseNpgsql(app).UseTenancy().Options),
    new IsolationOptions { OracleConnectionString = admin, PgBouncerConnectionString = pgBouncer, Cases = 20 });
Console.WriteLine($"ok: isolation kit ran {report.CasesRun} cases");
