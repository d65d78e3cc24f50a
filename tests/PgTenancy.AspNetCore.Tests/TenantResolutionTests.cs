using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace PgTenancy.AspNetCore.Tests;

public sealed class TenantResolutionTests(NotesFixture notes) : IClassFixture<NotesFixture>
{
    [Fact]
    public async Task Concurrent_requests_for_different_tenants_each_get_only_their_own_rows()
    {
        await using var app = await notes.StartAsync(o => o.FromHeader());
        using var client = app.GetTestClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            var tenant = NotesFixture.Tenants[i % NotesFixture.Tenants.Length];
            using var request = new HttpRequestMessage(HttpMethod.Get, "/notes") { Headers = { { "X-Tenant-Id", tenant.Value } } };
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return (tenant, rows: await response.Content.ReadFromJsonAsync<List<Guid>>());
        }));

        Assert.All(responses, r =>
        {
            Assert.Equal(NotesFixture.NotesPerTenant, r.rows!.Count);
            Assert.All(r.rows, t => Assert.Equal(Guid.Parse(r.tenant.Value), t));
        });
    }

    [Fact]
    public async Task A_request_without_a_tenant_gets_a_problem_and_never_reaches_the_endpoint()
    {
        await using var app = await notes.StartAsync(o => o.FromHeader());
        using var client = app.GetTestClient();
        var before = notes.EndpointCalls;

        using var response = await client.GetAsync("/notes");
        var problem = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("header X-Tenant-Id", problem);
        Assert.Equal(before, notes.EndpointCalls);
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("aaaaaaaa-1111-4111-8111-000000000001' OR '1'='1")]
    public async Task A_malformed_tenant_gets_a_problem_that_does_not_echo_it(string tenant)
    {
        await using var app = await notes.StartAsync(o => o.FromHeader());
        using var client = app.GetTestClient();
        var before = notes.EndpointCalls;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/notes") { Headers = { { "X-Tenant-Id", tenant } } };

        using var response = await client.SendAsync(request);
        var problem = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a valid Uuid tenant id", problem);
        Assert.DoesNotContain(tenant, problem);
        Assert.Equal(before, notes.EndpointCalls);
    }

    [Fact]
    public async Task The_tenant_comes_from_a_JWT_claim_and_a_token_without_it_is_forbidden()
    {
        await using var app = await notes.StartAsync(o =>
        {
            o.FromClaim("tenant_id");
            o.MissingTenantStatusCode = 403;
        });
        using var client = app.GetTestClient();
        var tenant = NotesFixture.Tenants[1];

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", NotesFixture.Token(new Claim("tenant_id", tenant.Value), new Claim("sub", "alice")));
        var rows = await client.GetFromJsonAsync<List<Guid>>("/notes");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", NotesFixture.Token(new Claim("sub", "bob")));
        using var withoutClaim = await client.GetAsync("/notes");

        Assert.All(rows!, t => Assert.Equal(Guid.Parse(tenant.Value), t));
        Assert.Equal(NotesFixture.NotesPerTenant, rows!.Count);
        Assert.Equal(HttpStatusCode.Forbidden, withoutClaim.StatusCode);
    }

    [Fact]
    public async Task A_missing_expired_or_forged_token_is_401_with_the_schemes_challenge_not_a_missing_tenant()
    {
        await using var app = await notes.StartAsync(o => o.FromClaim("tenant_id"));
        using var client = app.GetTestClient();
        var before = notes.EndpointCalls;
        var valid = NotesFixture.Token(new Claim("tenant_id", NotesFixture.Tenants[0].Value));

        using var anonymous = await client.GetAsync("/notes");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", valid[..^4] + "AAAA"); // signature broken
        using var forged = await client.GetAsync("/notes");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-jwt");
        using var garbage = await client.GetAsync("/notes");

        Assert.All([anonymous, forged, garbage], response =>
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        });
        Assert.Equal(before, notes.EndpointCalls);
    }

    [Fact]
    public async Task The_tenant_comes_from_the_host_name_under_a_base_domain()
    {
        var hostTenant = TenantId.FromText("acme");
        await using var app = await notes.StartAsync(o =>
        {
            o.TenantKind = TenantIdKind.Text;
            o.FromHost("shop.example").Exclude("/health");
        });
        app.MapGet("/whoami", () => TenantScope.Current?.Value ?? "(none)");
        using var client = app.GetTestClient();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Host = "acme.shop.example";
        using var response = await client.SendAsync(request);
        using var outside = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        outside.Headers.Host = "other.example";
        using var outsideResponse = await client.SendAsync(outside);
        using var health = await client.GetAsync("/health");

        Assert.Equal(hostTenant.Value, await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, outsideResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task The_tenant_data_source_from_DI_binds_each_request_to_its_tenant()
    {
        await using var app = await notes.StartAsync(o => o.FromHeader(), services => services.AddTenantDataSource(_ => notes.AppDataSource));
        app.MapGet("/notes-sql", async (TenantDataSource database) =>
        {
            await using var connection = await database.OpenConnectionAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT DISTINCT \"TenantId\"::text FROM notes";
            return (string?)await command.ExecuteScalarAsync();
        });
        using var client = app.GetTestClient();
        var tenant = NotesFixture.Tenants[1];

        using var request = new HttpRequestMessage(HttpMethod.Get, "/notes-sql") { Headers = { { "X-Tenant-Id", tenant.Value } } };
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(tenant.Value, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Resolution_takes_the_tenant_kind_of_the_binding_options_in_DI()
    {
        await using var app = await notes.StartAsync(
            o => o.FromHeader(),
            services => services.AddTenantDataSource(_ => notes.AppDataSource, new TenancyOptions { TenantKind = TenantIdKind.BigInt }));
        app.MapGet("/whoami", () => TenantScope.Current?.ToString() ?? "(none)");
        using var client = app.GetTestClient();

        using var number = new HttpRequestMessage(HttpMethod.Get, "/whoami") { Headers = { { "X-Tenant-Id", "42" } } };
        using var numberResponse = await client.SendAsync(number);
        using var uuid = new HttpRequestMessage(HttpMethod.Get, "/whoami") { Headers = { { "X-Tenant-Id", NotesFixture.Tenants[0].Value } } };
        using var uuidResponse = await client.SendAsync(uuid);

        Assert.Equal("42", await numberResponse.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, uuidResponse.StatusCode);
        Assert.Contains("not a valid BigInt tenant id", await uuidResponse.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Background_work_runs_as_a_tenant_through_a_DI_scope()
    {
        var services = new ServiceCollection();
        services.AddDbContext<NotesContext>(o => o.UseNpgsql(notes.AppDataSource).UseTenancy());
        await using var provider = services.BuildServiceProvider();
        var tenant = NotesFixture.Tenants[2];
        List<Guid>? seen = null;

        await provider.GetRequiredService<IServiceScopeFactory>().RunAsTenantAsync(tenant, async (scopedServices, cancellationToken) =>
            seen = await scopedServices.GetRequiredService<NotesContext>().Notes.Select(n => n.TenantId).ToListAsync(cancellationToken));

        Assert.Equal(NotesFixture.NotesPerTenant, seen!.Count);
        Assert.All(seen, t => Assert.Equal(Guid.Parse(tenant.Value), t));
        Assert.Null(TenantScope.Current);
    }
}
