using Npgsql;
using PgTenancy.Doctor.Checks;
using Xunit;

namespace PgTenancy.Doctor.Tests;

/// <summary>A check the server fails (say, Citus asking for a table a concurrent DROP took) is reported not checked; the rest still run.</summary>
[Collection(DoctorReports.Name)]
public sealed class CheckFailureTests(DoctorFixture doctor)
{
    [Fact]
    public async Task A_check_the_server_fails_is_not_checked_and_the_others_run()
    {
        await using var admin = NpgsqlDataSource.Create(doctor.HardenedAdminConnectionString);
        SqlCheck Check(string id, string sql) => new(new DoctorCheck(id, "probe", Severity.High, "why", "fix"), sql);

        var report = await TenancyDoctor.RunAsync(
            admin,
            [Check("T-01", "SELECT 'relation', 'gone: ' || 'pg_catalog.pg_class'::regclass::oid::text WHERE 1 / 0 = 1"), Check("T-02", "SELECT 'x', 'found' ")],
            _ => new DoctorOptions { AppRole = "nobody" },
            TestContext.Current.CancellationToken);

        var failed = report.Results.Single(r => r.Check.Id == "T-01");
        Assert.Equal(CheckStatus.NotChecked, failed.Status);
        Assert.Equal("the server refused the check (22012: division by zero); run the doctor again", failed.NotCheckedReason);
        Assert.Equal(CheckStatus.Failed, report.Results.Single(r => r.Check.Id == "T-02").Status);
    }
}
