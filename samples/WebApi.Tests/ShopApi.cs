using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgTenancy;
using WebApi.Hosting;

namespace WebApi.Tests;

/// <summary>
/// The sample API in memory (Development environment, so the development token issuer is on), connected to
/// <see cref="ShopDatabase"/> as <paramref name="appConnectionString"/>, signing tenants with <paramref name="signingKey"/>
/// (none: the app is configured without a key); log lines are kept for assertions.
/// </summary>
public sealed class ShopApi(string appConnectionString, string bypassConnectionString, TenantSigningKey? signingKey) : WebApplicationFactory<Program>
{
    public ConcurrentQueue<string> Log { get; } = new();

    /// <summary>A client whose requests carry a development token for <paramref name="user"/>.</summary>
    public async Task<HttpClient> ClientAsync(string user, Guid? tenant, bool admin = false)
    {
        var client = CreateClient();
        var response = await client.PostAsJsonAsync("/dev/token", new ShopAuthentication.TokenRequest(user, tenant?.ToString(), admin));
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<TokenResponse>())!.Token;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        // Host configuration is what Program sees before it builds the app (its connection strings decide whether
        // it starts an embedded server).
        builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:App"] = appConnectionString,
            ["ConnectionStrings:Bypass"] = bypassConnectionString,
            ["Jobs:OverdueInvoicesEvery"] = "1.00:00:00",
            [ShopSigningKey.IdKey] = signingKey?.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ShopSigningKey.KeyKey] = signingKey?.ToBase64(),
        }));
        return base.CreateHost(builder);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(new CollectingLoggerProvider(Log)));

    private sealed record TokenResponse(string Token);

    private sealed class CollectingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collector(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Collector(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
        }
    }
}
