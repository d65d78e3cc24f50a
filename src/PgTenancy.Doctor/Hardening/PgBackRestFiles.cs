using System.Globalization;
using System.Text;

namespace PgTenancy.Doctor.Hardening;

/// <summary>
/// pgBackRest's configuration: an encrypted repository (aes-256-cbc) whose passphrase lives in its own include file,
/// mode 0600 and never in the main configuration or a log, and the server's WAL archived into it.
/// </summary>
internal static class PgBackRestFiles
{
    public const string ConfigPath = "/etc/pgbackrest/pgbackrest.conf";
    public const string IncludePath = "/etc/pgbackrest/conf.d";
    public const string CipherFileName = "repository-cipher.conf";

    public static string Stanza(HardeningInput input, PgBackRestInput backup) => backup.Stanza.Length > 0 ? backup.Stanza : input.Database;

    /// <summary>The <c>archive_command</c> the server runs for each finished WAL segment.</summary>
    public static string ArchiveCommand(HardeningInput input, PgBackRestInput backup) => $"pgbackrest --stanza={Stanza(input, backup)} archive-push %p";

    public static string Config(HardeningInput input, PgBackRestInput backup, LayoutPaths paths)
    {
        var text = new StringBuilder(GeneratedHeader.For("#", "pgBackRest: encrypted physical backups and WAL archive."));
        text.Append(CultureInfo.InvariantCulture, $"""
            # The repository passphrase is not here: it is repo1-cipher-pass in {IncludePath}/{CipherFileName} (mode 0600).
            # (pgBackRest reads a comment only on a line of its own.)
            [global]
            repo1-path={backup.RepositoryPath}
            # Every file in the repository encrypted: a stolen copy of it reads as noise.
            repo1-cipher-type=aes-256-cbc
            # Full backups kept, with the WAL that recovers them to any point in time between.
            repo1-retention-full={backup.RetentionFull}
            compress-type=zst
            # A backup starts with an immediate checkpoint.
            start-fast=y
            log-level-file=detail

            [{Stanza(input, backup)}]
            pg1-path={paths.DataDirectory}
            pg1-port={backup.Port}
            # The local socket, as the server's OS user (peer in pg_hba.conf).
            pg1-socket-path={LayoutPaths.SocketDirectory}

            """);
        return text.ToString();
    }

    public static string CipherInclude(string passphrase) =>
        GeneratedHeader.For("#", "the pgBackRest repository passphrase (mode 0600; keep a copy apart from the repository: without it the backups cannot be read).")
        + $"[global]\nrepo1-cipher-pass={passphrase}\n";
}
