using System.CommandLine;
using System.Globalization;
using Npgsql;

namespace PgTenancy.Tool;

/// <summary><c>pgtenancy keys</c>: installs, lists and retires the signing keys of the signed tenant context.</summary>
internal static class KeysCommand
{
    /// <summary>The <c>keys</c> command and its <c>add</c>, <c>list</c> and <c>retire</c> subcommands.</summary>
    public static Command Definition(TextWriter output, TextWriter error)
    {
        Option[] Common() =>
        [
            CommandOptions.Value("--connection", "An Npgsql connection string for the owner role (required): the application role cannot read or change the keys."),
            CommandOptions.Value("--schema", "The binding's schema (default pgtenancy)."),
        ];

        var add = new Command("add", "Install a signing key under a new id: a new 32-byte key written (base64, mode 0600) to --output for the application's secret store, or the key in --key-file. A key is never printed.");
        var list = new Command("list", "The installed keys: id, added, retired (never the keys).");
        var retire = new Command("retire", "The database refuses tokens of this key from now on.");
        foreach (var (command, verb) in new[] { (add, "add"), (list, "list"), (retire, "retire") })
        {
            foreach (var option in Common())
            {
                command.Options.Add(option);
            }

            command.SetAction((parsed, _) => RunAsync(verb, new CommandOptions(parsed), output, error));
        }

        add.Options.Add(CommandOptions.Value("--id", "The key's id, a whole number from 1, never reused (required)."));
        add.Options.Add(CommandOptions.Value("--output", "The file that receives a new key (mode 0600)."));
        add.Options.Add(CommandOptions.Value("--key-file", "Install this base64 key (made by another tool) instead of a new one."));
        retire.Options.Add(CommandOptions.Value("--id", "The id of the key to retire (required)."));
        return new Command("keys", "Install, list and retire the signing keys the database verifies tenant tokens with (docs/security.md). Run as the owner role.") { add, list, retire };
    }

    private static async Task<int> RunAsync(string verb, CommandOptions options, TextWriter output, TextWriter error)
    {
        try
        {
            var tenancy = new TenancyOptions { Schema = options["--schema"] ?? TenancyDefaults.Schema };
            tenancy.Validate();
            await using var owner = NpgsqlDataSource.Create(options.Required("--connection", "an Npgsql connection string for the owner role"));
            switch (verb)
            {
                case "add":
                    var id = Id(options);
                    var key = options["--key-file"] is { } keyFile
                        ? TenantSigningKey.FromBase64(id, (await File.ReadAllTextAsync(keyFile).ConfigureAwait(false)).Trim())
                        : TenantSigningKey.Generate(id);
                    if (options["--key-file"] is null)
                    {
                        // Written before it is installed: a key in the database that nobody holds would sign nothing.
                        await WriteSecretAsync(options.Required("--output", "the file that receives the new key, for the application's secret store"), key.ToBase64()).ConfigureAwait(false);
                    }

                    try
                    {
                        await TenantSigningKeys.AddAsync(owner, key, tenancy).ConfigureAwait(false);
                    }
                    catch when (options["--key-file"] is null)
                    {
                        File.Delete(options["--output"]!);   // a key that was not installed must not look like one that was
                        throw;
                    }

                    output.WriteLine($"Installed signing key {id}{(options["--output"] is { } written ? $"; the key is in {written}" : "")}.");
                    return 0;
                case "list":
                    foreach (var installed in await TenantSigningKeys.ListAsync(owner, tenancy).ConfigureAwait(false))
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{installed.Id}\tadded {installed.AddedAt:u}\t{(installed.RetiredAt is { } retired ? $"retired {retired:u}" : "in use")}"));
                    }

                    return 0;
                default:
                    var retiredId = Id(options);
                    if (!await TenantSigningKeys.RetireAsync(owner, retiredId, tenancy).ConfigureAwait(false))
                    {
                        return Fail(error, $"no signing key {retiredId} is in use (see pgtenancy keys list).");
                    }

                    output.WriteLine($"Retired signing key {retiredId}: its tokens are refused from now on.");
                    return 0;
            }
        }
        catch (Exception e) when (e is CommandLineException or IOException or UnauthorizedAccessException or NpgsqlException or FormatException or ArgumentException)
        {
            return Fail(error, e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } ? "a key with this id exists already: ids are never reused, take the next one." : e.Message);
        }
    }

    private static int Id(CommandOptions options) =>
        int.TryParse(options.Required("--id", "the key's id, a whole number from 1"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new CommandLineException($"--id \"{options["--id"]}\" is not a key id: use a whole number from 1.");

    private static async Task WriteSecretAsync(string path, string secret)
    {
        if (File.Exists(path))
        {
            throw new CommandLineException($"--output \"{path}\" exists already: a key file is never overwritten. Name a new file.");
        }

        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(path, create);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(secret + "\n")).ConfigureAwait(false);
        }
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"pgtenancy keys: {message}");
        return CommandLine.UsageError;
    }
}
