using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Testing.Tests;

public sealed class PgAuditTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Create_table_and_insert_produce_AUDIT_lines_in_the_server_log()
    {
        Assert.True(fixture.Server.PgAuditEnabled, "pgaudit must be preloaded on the test server (./test.sh installs it).");
        var table = "audited_" + Guid.NewGuid().ToString("N")[..8];

        await Db.ExecuteAsync(fixture.Database.OwnerConnectionString, $"CREATE TABLE {table} (id int); INSERT INTO {table} VALUES (1)");

        var lines = await WaitForLogLinesAsync(table, expected: 2);
        Assert.Contains(lines, l => l.Contains("AUDIT: SESSION,", StringComparison.Ordinal) && l.Contains(",DDL,CREATE TABLE,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("AUDIT: SESSION,", StringComparison.Ordinal) && l.Contains(",WRITE,INSERT,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Role_statements_are_audited_without_plain_passwords()
    {
        var role = "audited_role_" + Guid.NewGuid().ToString("N")[..8];

        await Db.ExecuteAsync(fixture.Database.AdminConnectionString, $"CREATE ROLE {role} NOLOGIN; DROP ROLE {role}");

        var lines = await WaitForLogLinesAsync(role, expected: 2);
        Assert.Contains(lines, l => l.Contains(",ROLE,CREATE ROLE,", StringComparison.Ordinal));
        var log = ReadLog();
        Assert.DoesNotContain($"PASSWORD '", log.Replace("PASSWORD 'SCRAM-SHA-256$", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private async Task<List<string>> WaitForLogLinesAsync(string marker, int expected)
    {
        // The server writes its log asynchronously to the statement's completion.
        for (var attempt = 0; ; attempt++)
        {
            var lines = ReadLog().Split('\n').Where(l => l.Contains("AUDIT:", StringComparison.Ordinal) && l.Contains(marker, StringComparison.Ordinal)).ToList();
            if (lines.Count >= expected || attempt == 50)
            {
                return lines;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private string ReadLog()
    {
        var path = fixture.Server.LogFilePath ?? throw new InvalidOperationException("The test server exposes no log file.");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
