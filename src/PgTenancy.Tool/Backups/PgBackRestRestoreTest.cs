using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace PgTenancy.Tool.Backups;

/// <summary>Where the pgBackRest repository is and what to restore from it.</summary>
/// <param name="Stanza">The stanza (one cluster's backups).</param>
/// <param name="ConfigFile">pgBackRest's configuration file, or null for its default.</param>
/// <param name="IncludePath">pgBackRest's configuration include folder (the repository passphrase lives there), or null for its default.</param>
/// <param name="TargetTime">A point in time to recover to, or null for the end of the archived WAL (the latest state).</param>
internal sealed record PgBackRestTarget(string Stanza, string? ConfigFile, string? IncludePath, string? TargetTime)
{
    /// <summary>The options every pgBackRest command of the test takes.</summary>
    public IEnumerable<string> CommonArguments =>
    [
        .. ConfigFile is null ? [] : new[] { $"--config={ConfigFile}" },
        .. IncludePath is null ? [] : new[] { $"--config-include-path={IncludePath}" },
        $"--stanza={Stanza}",
    ];
}

/// <summary>What a restore test found: how long the restore took, each table's (and tenant's) rows, and how they differ from the source.</summary>
internal sealed record RestoreTestResult(PgBackRestTarget Target, TimeSpan RestoreTime, TimeSpan StartTime, IReadOnlyDictionary<string, string> Restored, IReadOnlyList<string>? Differences)
{
    /// <summary>True when the restore matches the source (or, restored to a point in time, when it restored and started).</summary>
    public bool Passed => Differences is not { Count: > 0 };
}

/// <summary>
/// <c>pgtenancy backup verify --stanza …</c>: restores a pgBackRest backup — the latest state, or a point in time — into
/// a scratch cluster in a private temporary folder, starts it on a Unix socket only (no TCP listener, its archiving off
/// so it never writes into the repository), reads every table's rows per tenant, compares them with the source when
/// restoring the latest state, and stops and removes the scratch cluster in every case. The recovery time it reports is
/// the figure operators plan with.
/// </summary>
internal static class PgBackRestRestoreTest
{
    public static async Task<RestoreTestResult> RunAsync(
        PgBackRestTarget target, NpgsqlConnectionStringBuilder? source, string database, string tenantColumn, TextWriter output, CancellationToken cancellationToken)
    {
        var pgBackRest = Programs.Find("pgbackrest", ["/usr/bin", "/usr/local/bin"], foldersFirst: false, "pgBackRest (apt-get install pgbackrest)");
        if (source is not null && target.TargetTime is null)
        {
            // Every change the source committed so far must be in the archive before the restore reads it: check forces a
            // WAL switch and waits until that segment is archived.
            await RunAsync(pgBackRest, ["check", .. target.CommonArguments], TimeSpan.FromMinutes(5), cancellationToken);
        }

        // pgBackRest's own check of every file's checksum in the repository; it reports damage as "status: error" and
        // still exits 0, so its report is read.
        var (verifyExit, verified) = await ServerUserCommand.RunAsync(pgBackRest, ["verify", .. target.CommonArguments, "--log-level-console=info"], TimeSpan.FromHours(2), cancellationToken);
        if (verifyExit != 0)
        {
            throw new BackupException($"pgbackrest verify failed (exit code {verifyExit}): {verified}");
        }

        if (verified.Contains("No usable backup.info", StringComparison.Ordinal) || verified.Contains("No usable archive.info", StringComparison.Ordinal))
        {
            throw new BackupException(
                $"pgbackrest cannot read the repository of stanza {target.Stanza}: the passphrase (repo1-cipher-pass, in the include folder) is wrong, or the stanza has no backup yet (pgbackrest stanza-create, then backup).");
        }

        if (verified.Contains("status: error", StringComparison.Ordinal))
        {
            var damage = verified.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("invalid", StringComparison.Ordinal) || l.Contains("missing", StringComparison.Ordinal));
            output.WriteLine("pgbackrest verify found damaged files in the repository: " + string.Join("; ", damage));
            return new RestoreTestResult(target, TimeSpan.Zero, TimeSpan.Zero, new Dictionary<string, string>(), [$"repository: pgbackrest verify found damaged files ({string.Join("; ", damage)}); restore from another backup or repository"]);
        }

        var scratch = Directory.CreateTempSubdirectory("pgtenancy-restore-").FullName;   // mode 0700: the restored data is private
        var data = Path.Combine(scratch, "data");
        var socket = Path.Combine(scratch, "socket");
        Directory.CreateDirectory(socket);
        ServerUserCommand.Own(scratch);
        var pgCtl = "pg_ctl";
        var started = false;
        try
        {
            var clock = Stopwatch.StartNew();
            string[] recovery = target.TargetTime is { } time ? ["--type=time", $"--target={time}", "--target-action=promote"] : [];
            await RunAsync(pgBackRest, ["restore", .. target.CommonArguments, $"--pg1-path={data}", "--archive-mode=off", .. recovery], TimeSpan.FromHours(2), cancellationToken);
            var restoreTime = clock.Elapsed;
            pgCtl = PgCtlFor(data);

            // The scratch cluster: reachable through the private socket folder only, trusted there, nothing archived or collected.
            var hba = Path.Combine(scratch, "pg_hba.conf");
            await File.WriteAllTextAsync(hba, "local all all trust\n", cancellationToken);
            if (!File.Exists(Path.Combine(data, "postgresql.conf")))
            {
                await File.WriteAllTextAsync(Path.Combine(data, "postgresql.conf"), "# written by pgtenancy backup verify for the scratch cluster\n", cancellationToken);
            }

            ServerUserCommand.Own(scratch);
            var port = FreePort();
            clock.Restart();
            var options = string.Join(' ', $"-p {port}", $"-k {socket}", "-c listen_addresses=''", $"-c hba_file={hba}", "-c ssl=off", "-c logging_collector=off", "-c archive_mode=off");
            started = true;
            await RunAsync(pgCtl, ["start", "-D", data, "-w", "-t", "3600", "-l", Path.Combine(scratch, "server.log"), "-o", options], TimeSpan.FromHours(1), cancellationToken);
            var startTime = clock.Elapsed;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Restored {(target.TargetTime is { } t ? $"to {t}" : "the latest state")} of stanza {target.Stanza} in {restoreTime.TotalSeconds:0.0} s; recovered and started in {startTime.TotalSeconds:0.0} s."));

            var restored = new NpgsqlConnectionStringBuilder
            {
                Host = socket, Port = port, Database = database, Username = source?.Username ?? ServerUserCommand.ServerUser, Pooling = false, SslMode = SslMode.Disable,
            };
            var actual = await TableChecksums.ReadAsync(restored, tenantColumn, cancellationToken);
            IReadOnlyList<string>? differences = null;
            if (source is not null && target.TargetTime is null)
            {
                differences = TableChecksums.Compare(await TableChecksums.ReadAsync(source, tenantColumn, cancellationToken), actual, output);
            }
            else
            {
                foreach (var (what, value) in actual.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    output.WriteLine($"      {what}  {value}");
                }
            }

            return new RestoreTestResult(target, restoreTime, startTime, actual, differences);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (started && File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                await ServerUserCommand.RunAsync(pgCtl, ["stop", "-D", data, "-m", "immediate", "-w"], TimeSpan.FromMinutes(2), CancellationToken.None);
            }

            Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await ServerUserCommand.RunAsync(program, arguments, timeout, cancellationToken);
        if (exitCode != 0)
        {
            throw new BackupException($"{Path.GetFileName(program)} {arguments.FirstOrDefault()} failed (exit code {exitCode}): {output}");
        }
    }

    /// <summary>The pg_ctl of the restored cluster's major version (PG_VERSION), in the Debian or RHEL layout, else on the PATH.</summary>
    private static string PgCtlFor(string data)
    {
        var major = File.ReadAllText(Path.Combine(data, "PG_VERSION")).Trim();
        return Programs.Find("pg_ctl", [$"/usr/lib/postgresql/{major}/bin", $"/usr/pgsql-{major}/bin"], foldersFirst: true, $"the PostgreSQL {major} server, the backup's major version");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
