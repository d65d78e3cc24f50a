using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PgTenancy.TestSupport;

namespace PgTenancy.Packaging.Tests.Applications;

/// <summary>
/// An ASP.NET Core application made outside the repository (the guide's, the template's), tried as its developer would:
/// development tokens from <c>dotnet user-jwts create --claim tenant_id=…</c>, the built application started in
/// Development with the app role's connection string, and requests to <c>/orders</c>. Stops the application and removes
/// the user secrets the tokens' signing key was kept in.
/// </summary>
/// <param name="folder">The project's folder.</param>
/// <param name="project">The project's name: its .csproj and assembly.</param>
/// <param name="environment">The environment of its commands (the packed feed's package folder).</param>
internal sealed class DevelopmentApp(string folder, string project, IReadOnlyDictionary<string, string> environment) : IAsyncDisposable
{
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private Process? _process;

    /// <summary>A development token whose <c>tenant_id</c> claim is <paramref name="tenant"/>.</summary>
    /// <exception cref="InvalidOperationException">user-jwts printed something else (it reports some errors with exit code 0).</exception>
    public async Task<string> TokenAsync(string tenant)
    {
        var output = (await ExternalCommand.RunCheckedAsync(folder, environment,
            ["dotnet", "user-jwts", "create", "--claim", $"tenant_id={tenant}", "--output", "token"])).Trim();
        return System.Text.RegularExpressions.Regex.IsMatch(output, @"^[\w-]+\.[\w-]+\.[\w-]+$")
            ? output
            : throw new InvalidOperationException($"dotnet user-jwts create did not print a token in {folder}:\n{output}");
    }

    /// <summary>Builds the application and starts it on a free loopback port; returns when it answers.</summary>
    public async Task StartAsync(string appConnectionString)
    {
        await ExternalCommand.RunCheckedAsync(folder, environment, ["dotnet", "build", "-nologo", "-v", "quiet"], TimeSpan.FromMinutes(5));
        var port = PgTenancy.Testing.Local.LoopbackPort.Free();
        var start = new ProcessStartInfo("dotnet", [Path.Combine("bin", "Debug", "net10.0", project + ".dll")])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__App"] = appConnectionString;
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{project} did not start.");
        _process.OutputDataReceived += (_, e) => Log(e.Data);
        _process.ErrorDataReceived += (_, e) => Log(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _http.BaseAddress = new Uri($"http://127.0.0.1:{port}");

        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{project} ended with {_process.ExitCode} before answering:\n{Output}");
            }

            try
            {
                await GetOrdersAsync(token: null);
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>What the application wrote so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary><c>GET /orders</c>, with <paramref name="token"/> as the bearer token when given: the status and the customers returned.</summary>
    public async Task<(HttpStatusCode Status, string[] Customers)> GetOrdersAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            return (response.StatusCode, []);
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, [.. json.RootElement.EnumerateArray().Select(o => o.GetProperty("customer").GetString()!).Order(StringComparer.Ordinal)]);
    }

    /// <summary><c>POST /orders</c> of <paramref name="body"/> (JSON) with <paramref name="token"/>: the status.</summary>
    public async Task<HttpStatusCode> PostOrderAsync(string token, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        return response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        RemoveUserSecrets();
    }

    /// <summary>user-jwts keeps the signing key in the user's secrets store, outside the test's folder: remove it.</summary>
    private void RemoveUserSecrets()
    {
        var projectFile = Path.Combine(folder, project + ".csproj");
        var id = File.Exists(projectFile)
            ? System.Text.RegularExpressions.Regex.Match(File.ReadAllText(projectFile), "<UserSecretsId>([^<]+)</UserSecretsId>").Groups[1].Value
            : "";
        var secrets = Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".microsoft", "usersecrets", id);
        if (id.Length > 0 && Directory.Exists(secrets))
        {
            Directory.Delete(secrets, recursive: true);
        }
    }

    private void Log(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
