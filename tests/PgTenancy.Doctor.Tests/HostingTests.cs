using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgTenancy.Doctor.Hosting;
using Xunit;

namespace PgTenancy.Doctor.Tests;

/// <summary>The health check and the startup guard, run as the application itself would: as its own role, through DI.</summary>
[Collection(DoctorReports.Name)]
public sealed class HostingTests(DoctorFixture doctor)
{
    [Fact]
    public async Task Health_check_is_healthy_for_a_role_bound_by_row_level_security()
    {
        var report = await CheckHealthAsync(doctor.HardenedAppConnectionString);

        var entry = Assert.Single(report.Entries).Value;
        Assert.True(entry.Status == HealthStatus.Healthy, entry.Description);
        Assert.Contains("pgtenancy", entry.Tags);
        Assert.Matches(@"\(\d+ found\)", entry.Description);
    }

    [Fact]
    public async Task Health_check_is_unhealthy_and_names_each_escape_for_a_role_that_bypasses_rls()
    {
        var report = await CheckHealthAsync(doctor.InsecureAppConnectionString);

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("ROLE-01", entry.Description);
        Assert.Contains("ROLE-02", entry.Description);
        Assert.Contains("ROLE-03 public.owned", entry.Description);
        Assert.Contains("RLS-01 public.no_rls", entry.Description);
        Assert.Contains("RLS-01 public.\"Leaks\"", entry.Description); // EF Core's column naming, found all the same
    }

    [Fact]
    public async Task Health_check_is_unhealthy_when_the_database_cannot_be_reached()
    {

        var report = await CheckHealthAsync(WrongPassword);

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.IsType<PostgresException>(entry.Exception, exactMatch: false);
    }

    [Fact]
    public async Task Startup_guard_refuses_to_start_an_application_whose_role_bypasses_rls()
    {
        var error = await Assert.ThrowsAsync<TenancyConfigurationException>(() => StartGuardAsync(doctor.InsecureAppConnectionString));

        Assert.Contains(DoctorFixture.InsecureApp, error.Message);
        Assert.Contains("public.owned", error.Message);
        Assert.Contains("NOBYPASSRLS", error.Message);
    }

    [Fact]
    public async Task Startup_guard_lets_an_application_bound_by_rls_start()
    {
        await StartGuardAsync(doctor.HardenedAppConnectionString);
    }

    [Fact]
    public async Task Startup_guard_fails_the_start_when_the_database_cannot_be_reached()
    {
        await Assert.ThrowsAsync<PostgresException>(() => StartGuardAsync(WrongPassword));
    }

    /// <summary>The hardened database as its app role, with a wrong password: a database the app cannot reach.</summary>
    private string WrongPassword =>
        new NpgsqlConnectionStringBuilder(doctor.HardenedAppConnectionString) { Password = "wrong-password", Pooling = false }.ConnectionString;

    /// <summary>Starts the guard as the host would: registered through DI, the one hosted service.</summary>
    private static async Task StartGuardAsync(string connectionString)
    {
        await using var provider = Services(connectionString).AddPgTenancyStartupGuard(p => p.GetRequiredService<NpgsqlDataSource>()).BuildServiceProvider();
        var guard = Assert.IsType<TenancyStartupGuard>(Assert.Single(provider.GetServices<IHostedService>()));
        await guard.StartAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<HealthReport> CheckHealthAsync(string connectionString)
    {
        var services = Services(connectionString);
        services.AddHealthChecks().AddPgTenancyIsolation(p => p.GetRequiredService<NpgsqlDataSource>());
        await using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);
    }

    private static ServiceCollection Services(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        return services;
    }
}
