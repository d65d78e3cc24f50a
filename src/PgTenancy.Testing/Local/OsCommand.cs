using System.Diagnostics;

namespace PgTenancy.Testing.Local;

/// <summary>The outcome of one external command.</summary>
internal sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => (StandardOutput + Environment.NewLine + StandardError).Trim();
}

/// <summary>
/// Runs the external programs a local server needs (initdb, pg_ctl, pgbouncer, psql). When this process is root it
/// runs them as the <c>postgres</c> OS user, because initdb, pg_ctl, postgres and pgbouncer refuse to run as root.
/// Every command starts in <c>/</c>: a root working directory under <c>/root</c> is not traversable by that user.
/// </summary>
internal sealed class OsCommand
{
    private const string RunUser = "/usr/sbin/runuser";
    private readonly string? _runAs;

    private OsCommand(string? runAs) => _runAs = runAs;

    /// <summary>Commands run as the current user, whoever that is.</summary>
    public static OsCommand AsCurrentUser { get; } = new(null);

    /// <summary>Commands run as the current user; as <c>postgres</c> when the current user is root.</summary>
    public static OsCommand ForServer()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return new OsCommand(null);
        }

        if (!File.Exists(RunUser))
        {
            throw new PostgresServerException(
                $"The test run is root, and PostgreSQL refuses to run as root, but {RunUser} (util-linux) is missing to run it as the 'postgres' user. Install util-linux or run the tests as a non-root user.");
        }

        if (!OsUser.Exists(ServerUser))
        {
            throw new PostgresServerException(
                $"The test run is root, and PostgreSQL refuses to run as root, but there is no '{ServerUser}' OS user to run it as. Install the server package (apt-get install postgresql-15), which creates it, or run the tests as a non-root user.");
        }

        return new OsCommand(ServerUser);
    }

    /// <summary>The OS user that owns and runs the server when the tests run as root.</summary>
    public const string ServerUser = "postgres";

    /// <summary>The OS user the server runs as, or <see langword="null"/> for the current user.</summary>
    public string? RunAs => _runAs;

    /// <summary>Runs <paramref name="fileName"/> and waits for it, capturing its output.</summary>
    public async Task<CommandResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo
        {
            WorkingDirectory = "/",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };

        if (_runAs is null)
        {
            start.FileName = fileName;
        }
        else
        {
            // runuser resets the environment unless told to keep it; pass what the command needs explicitly.
            start.FileName = RunUser;
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(_runAs);
            start.ArgumentList.Add("--");
            if (environment is { Count: > 0 })
            {
                start.ArgumentList.Add("/usr/bin/env");
                foreach (var (name, value) in environment)
                {
                    start.ArgumentList.Add($"{name}={value}");
                }
            }

            start.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)
            ?? throw new PostgresServerException($"Could not start '{fileName}'.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new PostgresServerException(
                $"'{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)}' did not finish within {(timeout ?? TimeSpan.FromMinutes(2)).TotalSeconds:0} s and was stopped.");
        }

        return new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Runs a command and throws, quoting its output, unless it exits with 0.</summary>
    public async Task<CommandResult> RunCheckedAsync(
        string what,
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(fileName, arguments, environment, timeout, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new PostgresServerException($"{what} failed (exit code {result.ExitCode}): {result.Output}");
        }

        return result;
    }

    /// <summary>Gives the server's OS user ownership of <paramref name="path"/> (recursively) when the run is root.</summary>
    public async Task HandOverAsync(string path, CancellationToken cancellationToken)
    {
        if (_runAs is null)
        {
            return;
        }

        await AsCurrentUser.RunCheckedAsync(
            $"Giving '{path}' to the '{_runAs}' user",
            "chown",
            ["-R", $"{_runAs}:", path],
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
