using Xunit;

namespace PgTenancy.Tool.Tests.PgBackRest;

/// <summary><c>pgtenancy harden --pgbackrest</c>: an encrypted repository, WAL archived into it, the passphrase only in its own 0600 file.</summary>
public sealed class HardenPgBackRestTests : IDisposable
{
    private const string Passphrase = "a-long-repository-passphrase-0123456789";
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("harden-pgbackrest-");

    [Fact]
    public async Task The_repository_is_encrypted_the_wal_archived_and_the_passphrase_kept_apart()
    {
        var passphraseFile = Path.Combine(_folder.FullName, "passphrase");
        await File.WriteAllTextAsync(passphraseFile, Passphrase + "\n", TestContext.Current.CancellationToken);
        var output = Path.Combine(_folder.FullName, "out");

        var (exit, stdout, stderr) = await Cli.RunAsync("harden", "--output", output, "--database", "shop", "--app-cidr", "10.0.1.0/24", "--dev-ca", "--backup-passphrase-file", passphraseFile);

        Assert.True(exit == 0, stderr);
        var config = await Read(output, "pgbackrest.conf");
        var cipher = Path.Combine(output, "repository-cipher.conf");
        var settings = await Read(output, "pgtenancy-hardening.conf");
        var manifest = await Read(output, "MANIFEST.md");
        Assert.Contains("repo1-cipher-type=aes-256-cbc", config, StringComparison.Ordinal);
        Assert.Contains("[shop]\npg1-path=/var/lib/postgresql/15/main", config, StringComparison.Ordinal);
        Assert.DoesNotContain(Passphrase, config, StringComparison.Ordinal);
        Assert.Contains($"repo1-cipher-pass={Passphrase}", await File.ReadAllTextAsync(cipher, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cipher));
        }

        Assert.Contains("archive_command = 'pgbackrest --stanza=shop archive-push %p'", settings, StringComparison.Ordinal);
        Assert.Contains("archive_mode = on", settings, StringComparison.Ordinal);
        Assert.Contains("pgbackrest --stanza=shop stanza-create", manifest, StringComparison.Ordinal);
        Assert.Contains("pgtenancy backup verify --stanza shop", manifest, StringComparison.Ordinal);
        Assert.DoesNotContain(Passphrase, stdout + stderr + manifest + settings, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_passphrase_file_the_manifest_says_how_to_make_one_and_no_secret_is_written()
    {
        var output = Path.Combine(_folder.FullName, "out");

        var (exit, _, stderr) = await Cli.RunAsync("harden", "--output", output, "--database", "shop", "--app-cidr", "10.0.1.0/24", "--dev-ca", "--pgbackrest");

        Assert.True(exit == 0, stderr);
        Assert.False(File.Exists(Path.Combine(output, "repository-cipher.conf")));
        Assert.Contains("openssl rand -base64 48", await Read(output, "MANIFEST.md"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_passphrase_is_refused_and_nothing_is_written()
    {
        var passphraseFile = Path.Combine(_folder.FullName, "passphrase");
        await File.WriteAllTextAsync(passphraseFile, "short", TestContext.Current.CancellationToken);
        var output = Path.Combine(_folder.FullName, "out");

        var (exit, _, stderr) = await Cli.RunAsync("harden", "--output", output, "--database", "shop", "--app-cidr", "10.0.1.0/24", "--dev-ca", "--backup-passphrase-file", passphraseFile);

        Assert.Equal(CommandLine.UsageError, exit);
        Assert.Contains("at least 20 characters", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("short", stderr.Replace("--backup-passphrase-file", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    private static Task<string> Read(string folder, string name) => File.ReadAllTextAsync(Path.Combine(folder, name));

    public void Dispose() => _folder.Delete(recursive: true);
}
