using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace WebApi.Tests;

/// <summary>
/// The sample as a user starts it: the built app in Development with no connection string, so it starts its embedded
/// server, migrates it and serves; a tenant's order round-trips; on SIGTERM it stops and removes its server.
/// </summary>
public sealed partial class OneCommandTests
{
    [Fact]
    public async Task The_app_runs_on_its_embedded_server_and_stops_cleanly()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "WebApi.dll")])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment.Remove("ConnectionStrings__App");
        using var app = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        app.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            output.Enqueue(e.Data);
            if (ListeningOn().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        app.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
            using var client = new HttpClient { BaseAddress = address };
            var token = await client.PostAsJsonAsync("/dev/token", new { user = "ann", tenant = Guid.NewGuid() }, TestContext.Current.CancellationToken);
            client.DefaultRequestHeaders.Authorization = new("Bearer", (await token.Content.ReadFromJsonAsync<Token>(TestContext.Current.CancellationToken))!.Value);
            (await client.PostAsJsonAsync("/orders", new { customer = "Acme", total = 3m }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

            Assert.Contains("Acme", await client.GetStringAsync("/orders", TestContext.Current.CancellationToken), StringComparison.Ordinal);
            Assert.Equal("Healthy", await client.GetStringAsync("/health", TestContext.Current.CancellationToken));
            Assert.Contains(output, line => line.StartsWith("Embedded PostgreSQL:", StringComparison.Ordinal));
        }
        finally
        {
            // SIGTERM, as a terminal's Ctrl+C or a container stop: the host stops and disposes the embedded server.
            using (var terminate = Process.Start("kill", ["-TERM", app.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await terminate.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await app.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                app.Kill(entireProcessTree: true);
            }
        }

        Assert.True(app.ExitCode == 0, $"The app ended with {app.ExitCode}:\n{string.Join("\n", output)}");
        Assert.DoesNotContain(output, line => line.Contains("Exception", StringComparison.Ordinal));
    }

    private sealed record Token([property: System.Text.Json.Serialization.JsonPropertyName("token")] string Value);

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();
}
