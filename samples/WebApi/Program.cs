using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancy.AspNetCore;
using PgTenancy.Doctor.Hosting;
using PgTenancy.EntityFrameworkCore;
using WebApi.Domain;
using WebApi.Endpoints;
using WebApi.Hosting;
using WebApi.Jobs;

var builder = WebApplication.CreateBuilder(args);

// Connection strings come from configuration (ConnectionStrings:App and :Bypass). With none, in Development, the app
// starts an embedded, hardened PostgreSQL with PgTenancy.Testing, migrates it as the owner and uses it.
await using var embedded = await EmbeddedDatabase.StartIfUnconfiguredAsync(builder.Configuration, builder.Environment);

var connections = ShopConnections.From(builder.Configuration);
builder.Services.AddSingleton(connections);

// The key every statement's tenant is signed with (PgTenancy:SigningKeyId and :SigningKey, from a secret store). The
// policies trust only a verified tenant, so neither injected SQL nor the app role's password can name another one.
var signingKey = ShopSigningKey.From(builder.Configuration);

// The application role: NOSUPERUSER NOBYPASSRLS, owns no table. Every statement is bound to the request's tenant,
// signed.
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connections.App));
builder.Services.AddKeyedSingleton(ShopConnections.BypassKey, (_, _) => NpgsqlDataSource.Create(connections.Bypass));
builder.Services.AddDbContextPool<ShopContext>((services, options) => options
    .UseNpgsql(services.GetRequiredService<NpgsqlDataSource>())
    .UseTenancy(t => t.SigningKey(signingKey).AllowBypass(services.GetRequiredKeyedService<NpgsqlDataSource>(ShopConnections.BypassKey))));

builder.Services.AddShopAuthentication(builder.Configuration, builder.Environment);
builder.Services.AddPgTenancy(o => o
    .FromClaim("tenant_id")
    .Exclude("/health")
    .Exclude("/dev")
    .Exclude("/admin"));

// The app refuses to start when its role escapes RLS, and /health turns unhealthy if that changes later.
builder.Services.AddPgTenancyStartupGuard(services => services.GetRequiredService<NpgsqlDataSource>());
builder.Services.AddHealthChecks().AddPgTenancyIsolation(services => services.GetRequiredService<NpgsqlDataSource>());

builder.Services.AddSingleton<OverdueInvoicesJob>();
builder.Services.AddHostedService(services => services.GetRequiredService<OverdueInvoicesJob>());
builder.Services.AddProblemDetails();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));

var app = builder.Build();

app.UseAuthentication();
app.UseAuthorization();
app.UseTenantResolution();

app.MapHealthChecks("/health");
app.MapOrderEndpoints();
app.MapInvoiceEndpoints();
app.MapAdminEndpoints();
if (app.Environment.IsDevelopment())
{
    app.MapDevelopmentTokenEndpoint();
}

Console.WriteLine($"Orders and invoices for many tenants; the app connects to {connections.Describe()}.");
await app.RunAsync();

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
