using System.Globalization;
using System.Text;

namespace PgTenancy.Doctor.Hardening;

/// <summary>MANIFEST.md: where each generated file goes, with which owner and mode, and the steps to apply them in order.</summary>
internal static class ManifestFile
{
    public static string Content(HardeningInput input, LayoutPaths paths, IReadOnlyList<HardeningFile> files, bool userList, bool backupPassphrase)
    {
        var text = new StringBuilder(GeneratedHeader.ForMarkdown("where the files go and how to apply them."));
        text.Append("\n# Applying the hardened configuration\n\n| file | install path | owner | mode |\n|---|---|---|---|\n");
        const string BouncerOwner = "postgres (the pgbouncer service user on RHEL)";
        foreach (var file in files)
        {
            var owner = file.InstallPath.StartsWith("/etc/pgbouncer", StringComparison.Ordinal) ? BouncerOwner : LayoutPaths.ServerUser;
            text.Append(CultureInfo.InvariantCulture, $"| {file.Name} | {file.InstallPath} | {owner} | {(file.Secret ? "0600" : "0644")} |\n");
        }

        // pgbouncer.ini reads its own copies of the development certificates: a second row for each.
        if (input.GenerateDevCa && input.PgBouncer is not null)
        {
            foreach (var (name, secret) in new[] { ("ca.crt", false), ("server.crt", false), ("server.key", true) })
            {
                text.Append(CultureInfo.InvariantCulture, $"| {name} (a copy for PgBouncer) | {LayoutPaths.PgBouncerTlsDirectory}/{name} | {BouncerOwner} | {(secret ? "0600" : "0644")} |\n");
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"""

            Steps, in order:
            1. Install the certificates and keys (keys 0600, owned by the server's user, or the server refuses them).
            2. Install pgtenancy-hardening.conf.{(input.Layout == ServerLayout.Rhel ? " On RHEL add `include_dir = 'conf.d'` to postgresql.conf once." : " Debian's postgresql.conf already includes conf.d.")}
            3. Install pg_hba.conf. Keep a session open while you reload, and check `SELECT * FROM pg_hba_file_rules WHERE error IS NOT NULL` is empty.
            4. Restart PostgreSQL (shared_preload_libraries, logging_collector and listen_addresses need a restart), then
               `CREATE EXTENSION IF NOT EXISTS pgaudit;` in {input.Database}.
            5. `psql -v ON_ERROR_STOP=1 -d {input.Database} -f roles.sql` as a superuser: it creates the roles (an audited table
               that does not exist yet is skipped with a notice).
            6. Set a password for every login role with psql's {string.Join(", ", HardenedConfiguration.LoginRoles(input).Select(role => $"`\\password {role}`"))}:
               only a SCRAM secret is sent.
            7. Run the migrations as {input.MigratorRole}, then roles.sql again as a superuser, for the audited tables the
               migrations made (rerunning it is safe).
            8. {(userList ? "Install userlist.txt and pgbouncer.ini, then restart PgBouncer." : $"Generate userlist.txt with `pgtenancy harden … --connection <superuser connection>` into the same folder once the passwords are set (the certificates are kept), install it with pgbouncer.ini, and restart PgBouncer.")}
            9. Check: `pgtenancy doctor --app-role {input.AppRole} --pgbouncer-config {LayoutPaths.PgBouncerIni} --fail-on high` exits 0.

            """);
        if (input.PgBackRest is { } backup)
        {
            var stanza = PgBackRestFiles.Stanza(input, backup);
            var asServer = $"sudo -u {LayoutPaths.ServerUser} pgbackrest --stanza={stanza}";
            var cipherFile = $"{PgBackRestFiles.IncludePath}/{PgBackRestFiles.CipherFileName}";
            var passphraseStep = backupPassphrase
                ? $"Install {PgBackRestFiles.CipherFileName} at {cipherFile}, owned by {LayoutPaths.ServerUser}, mode 0600."
                : "Make the repository passphrase: `umask 077; printf '[global]\\nrepo1-cipher-pass=%s\\n' \"$(openssl rand -base64 48)\" > "
                  + cipherFile + $"`, then `chown {LayoutPaths.ServerUser} {cipherFile}` (or pass --backup-passphrase-file to pgtenancy harden).";
            text.Append(CultureInfo.InvariantCulture, $"""

                Backups with pgBackRest (encrypted repository, WAL archive, point-in-time recovery):
                1. Install it: `apt-get install pgbackrest` (Debian/Ubuntu) or `dnf install pgbackrest` from the PGDG repository (RHEL).
                   Install pgbackrest.conf at {PgBackRestFiles.ConfigPath} (0644) and give {backup.RepositoryPath} to {LayoutPaths.ServerUser} (0750).
                2. {passphraseStep}
                   Keep a copy of the passphrase apart from the repository: without it no backup can be read.
                3. After the restart of step 4 above (archive_mode needs it): `{asServer} stanza-create`, then `{asServer} check` (a WAL segment is archived).
                4. The first full backup: `{asServer} backup --type=full`. Schedule a weekly full and a daily differential
                   (`backup --type=diff`) with cron or a systemd timer, as {LayoutPaths.ServerUser}.
                5. Test the restore regularly, as root or {LayoutPaths.ServerUser} on this host: `pgtenancy backup verify --stanza {stanza} --connection "<superuser connection to {input.Database}>" --report restore.json`
                   restores into a private scratch cluster, compares every table per tenant, reports the restore time, and removes it.

                """);
        }

        return text.ToString();
    }
}
