using System.Security.Cryptography;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using PgTenancy.Tool.Backups;
using Xunit;

namespace PgTenancy.Tool.Tests.PgBackRest;

/// <summary>
/// A throwaway server that archives its WAL into an encrypted pgBackRest repository (aes-256-cbc, the passphrase in a
/// 0600 include file, compression off so that encryption alone keeps the content unreadable), with a full backup taken.
/// pgBackRest reaches the server through a Unix socket in a private folder; everything else stays as hardened as the
/// other test servers. pgBackRest must be installed (./test.sh installs it): without it the tests fail, never skip.
/// </summary>
public sealed class PgBackRestServer : IAsyncLifetime
{
    public const string Stanza = "pgtenancy";
    public const string Database = "shop";

    private readonly string _root = Directory.CreateTempSubdirectory("pgbackrest-test-").FullName;
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("not started");

    public string Repository => Path.Combine(_root, "repo");

    public string ConfigFile => Path.Combine(_root, "pgbackrest.conf");

    public string IncludePath => Path.Combine(_root, "conf.d");

    /// <summary>The shop database as the superuser, over TLS.</summary>
    public string AdminConnectionString => new NpgsqlConnectionStringBuilder(Server.AdminConnectionString) { Database = Database }.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists("/usr/bin/pgbackrest"))
        {
            throw new InvalidOperationException("pgBackRest is not installed: apt-get install pgbackrest (./test.sh installs it).");
        }

        var socket = Path.Combine(_root, "socket");
        foreach (var folder in new[] { Repository, IncludePath, socket, Path.Combine(_root, "log"), Path.Combine(_root, "lock") })
        {
            Directory.CreateDirectory(folder);
        }

        var pgBackRest = $"pgbackrest --config={ConfigFile} --config-include-path={IncludePath} --stanza={Stanza}";
        var settings = $"""
            unix_socket_directories = '{socket}'
            unix_socket_permissions = 0700
            wal_level = replica
            archive_mode = on
            archive_command = '{pgBackRest} archive-push %p'
            """;
        // The socket is for pgBackRest alone (its folder is private to the server's OS user); TCP stays TLS + SCRAM.
        var hba = "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhost all all all reject\n";
        ServerUserCommand.Own(_root);
        _server = await PostgresServer.StartAsync(b => b.WithPgBouncer(false).WithConfigurationOverrides(settings, hba));
        var admin = new NpgsqlConnectionStringBuilder(Server.AdminConnectionString);
        await File.WriteAllTextAsync(ConfigFile, $"""
            [global]
            repo1-path={Repository}
            repo1-cipher-type=aes-256-cbc
            repo1-retention-full=2
            compress-type=none
            start-fast=y
            log-path={_root}/log
            lock-path={_root}/lock
            log-level-console=warn

            [{Stanza}]
            pg1-path={Server.DataDirectory}
            pg1-port={admin.Port}
            pg1-socket-path={socket}
            pg1-user={admin.Username}

            """);
        await WritePassphraseAsync(IncludePath, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        ServerUserCommand.Own(_root);
        await Db.ExecuteAsync(Server.AdminConnectionString, $"CREATE DATABASE {Database}");
        await PgBackRestAsync("stanza-create");
        await PgBackRestAsync("backup", "--type=full");
    }

    /// <summary>Runs a pgBackRest command on this stanza as the server's OS user; throws with its output if it fails.</summary>
    public async Task<string> PgBackRestAsync(params string[] arguments)
    {
        var (exitCode, output) = await ServerUserCommand.RunAsync(
            "/usr/bin/pgbackrest", [$"--config={ConfigFile}", $"--config-include-path={IncludePath}", $"--stanza={Stanza}", .. arguments], TimeSpan.FromMinutes(5), CancellationToken.None);
        return exitCode == 0 ? output : throw new InvalidOperationException($"pgbackrest {string.Join(' ', arguments)} failed ({exitCode}): {output}");
    }

    /// <summary>An include folder (0600 file) holding <paramref name="passphrase"/> as the repository's cipher passphrase.</summary>
    public static async Task<string> WritePassphraseAsync(string folder, string passphrase)
    {
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "repository-cipher.conf");
        await File.WriteAllTextAsync(file, $"[global]\nrepo1-cipher-pass={passphrase}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        ServerUserCommand.Own(folder);
        return folder;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }
}
