using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace PgTenancy.Doctor.Hardening;

/// <summary>
/// <c>pgtenancy harden</c> as a library: turns a <see cref="HardeningInput"/> into the hardening guide's configuration —
/// pg_hba.conf, a postgresql.conf include, roles.sql, pgbouncer.ini (and its user list from the server's SCRAM secrets),
/// certificates for development — each file starting with a comment on what generated it and why its lines are there.
/// </summary>
internal static class HardenedConfiguration
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Generates the files. Validates first and writes nothing when the input is refused.</summary>
    /// <param name="input">What to generate for.</param>
    /// <param name="userList">PgBouncer's user list from <see cref="PgBouncerUserListAsync"/>, to include (and to tell MANIFEST.md it is there).</param>
    /// <param name="existingDevCa">With <see cref="HardeningInput.GenerateDevCa"/>: the dev CA an earlier run wrote (<see cref="DevCertificateAuthority.Read"/>), whose certificates are kept.</param>
    /// <returns>The files, in the order they are applied, ending with MANIFEST.md.</returns>
    /// <exception cref="HardeningInputException">The input is unsafe or incomplete; every problem is listed with its reason.</exception>
    /// <param name="backupPassphrase">With <see cref="HardeningInput.PgBackRest"/>: the repository passphrase, written into its own 0600 include file (else MANIFEST.md says how to make one).</param>
    public static IReadOnlyList<HardeningFile> Generate(HardeningInput input, HardeningFile? userList = null, DevCertificateAuthority? existingDevCa = null, string? backupPassphrase = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        HardeningValidation.Validate(input);
        var paths = new LayoutPaths(input.Layout, input.PostgresVersion);
        var files = new List<HardeningFile>();
        var serverTls = (input.CertificateFile!, input.KeyFile!, input.CaFile!);
        var bouncerTls = serverTls;
        if (input.GenerateDevCa)
        {
            // Development only: 30 days, and the CA key is written next to the files.
            var ca = existingDevCa ?? DevCertificateAuthority.Create(input.ServerNames, input.AdminRole, TimeSpan.FromDays(30));
            files.Add(new("ca.crt", $"{paths.TlsDirectory}/ca.crt", ca.CaCertificate));
            files.Add(new("ca.key", "(keep offline: it signs certificates)", ca.CaKey, Secret: true));
            files.Add(new("server.crt", $"{paths.TlsDirectory}/server.crt", ca.ServerCertificate));
            files.Add(new("server.key", $"{paths.TlsDirectory}/server.key", ca.ServerKey, Secret: true));
            files.Add(new("admin.crt", "(the administrator's machine: ~/.postgresql/postgresql.crt)", ca.ClientCertificate!));
            files.Add(new("admin.key", "(the administrator's machine: ~/.postgresql/postgresql.key)", ca.ClientKey!, Secret: true));
            serverTls = ($"{paths.TlsDirectory}/server.crt", $"{paths.TlsDirectory}/server.key", $"{paths.TlsDirectory}/ca.crt");
            bouncerTls = ($"{LayoutPaths.PgBouncerTlsDirectory}/server.crt", $"{LayoutPaths.PgBouncerTlsDirectory}/server.key", $"{LayoutPaths.PgBouncerTlsDirectory}/ca.crt");
        }

        files.Add(new("pg_hba.conf", paths.PgHba, PgHbaFile.Content(input)));
        files.Add(new("pgtenancy-hardening.conf", paths.Include, PostgresqlConfFile.Content(input, paths, serverTls)));
        files.Add(new("roles.sql", LayoutPaths.RolesSql, RolesSqlFile.Content(input)));
        if (input.PgBouncer is { } bouncer)
        {
            files.Add(new("pgbouncer.ini", LayoutPaths.PgBouncerIni, PgBouncerIniFile.Content(input, bouncer, paths, bouncerTls)));
        }

        if (userList is not null)
        {
            files.Add(userList);
        }

        if (input.PgBackRest is { } backup)
        {
            files.Add(new("pgbackrest.conf", PgBackRestFiles.ConfigPath, PgBackRestFiles.Config(input, backup, paths)));
            if (backupPassphrase is not null)
            {
                files.Add(new(PgBackRestFiles.CipherFileName, $"{PgBackRestFiles.IncludePath}/{PgBackRestFiles.CipherFileName}", PgBackRestFiles.CipherInclude(backupPassphrase), Secret: true));
            }
        }

        files.Add(new("MANIFEST.md", "(read it)", ManifestFile.Content(input, paths, files, userList is not null, backupPassphrase is not null)));
        return files;
    }

    /// <summary>
    /// PgBouncer's user list for the input's login roles (and PgBouncer's admin and stats users), built from the
    /// server's SCRAM secrets in <c>pg_authid</c>: PgBouncer verifies clients and logs in to the server without ever
    /// holding a password. Needs a superuser connection.
    /// </summary>
    /// <exception cref="HardeningInputException">The input is refused, or a role does not exist or has no SCRAM password yet.</exception>
    public static async Task<HardeningFile> PgBouncerUserListAsync(NpgsqlDataSource superuser, HardeningInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(superuser);
        ArgumentNullException.ThrowIfNull(input);
        HardeningValidation.Validate(input);
        var roles = LoginRoles(input);
        var secrets = new Dictionary<string, string?>(StringComparer.Ordinal);
        var connection = await superuser.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand("SELECT rolname, rolpassword FROM pg_catalog.pg_authid WHERE rolname = ANY($1)", connection) { Parameters = { new() { Value = roles } } };
            await using (command.ConfigureAwait(false))
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        secrets[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
                    }
                }
            }
        }

        var problems = roles.Where(r => !secrets.ContainsKey(r)).Select(r => $"role \"{r}\" does not exist: run roles.sql first.")
            .Concat(roles.Where(r => secrets.TryGetValue(r, out var s) && s?.StartsWith("SCRAM-SHA-256$", StringComparison.Ordinal) != true)
                .Select(r => $"role \"{r}\" has no SCRAM password: set one with psql's \\password {r}, then generate the user list again."))
            .ToList();
        if (problems.Count > 0)
        {
            throw new HardeningInputException(problems);
        }

        var text = new StringBuilder(GeneratedHeader.For(";", "PgBouncer's user list: SCRAM secrets copied from pg_authid, never passwords."));
        foreach (var role in roles)
        {
            text.Append('"').Append(role).Append("\" \"").Append(secrets[role]).Append("\"\n");
        }

        return new HardeningFile("userlist.txt", LayoutPaths.PgBouncerUsers, text.ToString(), Secret: true);
    }

    /// <summary>Reads a hardening input file (JSON, camelCase names; unknown names are refused so a typo is not silently ignored).</summary>
    /// <exception cref="HardeningInputException">The file is not valid hardening input JSON.</exception>
    public static async Task<HardeningInput> LoadInputAsync(string path, CancellationToken cancellationToken = default)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync<HardeningInput>(stream, Json, cancellationToken).ConfigureAwait(false)
                    ?? throw new HardeningInputException($"{path} holds no hardening input.");
            }
            catch (JsonException e)
            {
                throw new HardeningInputException($"{path} is not valid hardening input: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// Writes the files into <paramref name="directory"/> (created if needed): secrets with mode 0600. All files are
    /// written to a temporary folder first and moved in at the end, so a failure leaves no partial configuration.
    /// </summary>
    public static async Task WriteAsync(IReadOnlyList<HardeningFile> files, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        Directory.CreateDirectory(directory);
        var staging = Directory.CreateTempSubdirectory("pgtenancy-harden-");
        try
        {
            foreach (var file in files)
            {
                var path = Path.Combine(staging.FullName, file.Name);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = file.Secret ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
                }

                var stream = new FileStream(path, options);
                await using (stream.ConfigureAwait(false))
                {
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(file.Content), cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var file in files)
            {
                File.Move(Path.Combine(staging.FullName, file.Name), Path.Combine(directory, file.Name), overwrite: true);
            }
        }
        finally
        {
            staging.Delete(recursive: true);
        }
    }

    /// <summary>The login roles that need a password (SCRAM secret) before the user list can be written: MANIFEST.md names each.</summary>
    internal static string[] LoginRoles(HardeningInput input) =>
        [.. new[] { input.MigratorRole, input.AppRole, input.ReadOnlyRole }
            .Concat(input.PgBouncer?.AdminUsers ?? [])
            .Concat(input.PgBouncer?.StatsUsers ?? [])
            .Distinct(StringComparer.Ordinal)];
}
