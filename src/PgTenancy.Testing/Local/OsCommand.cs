using System.Diagnostics;

namespace PgTenancy.Testing.Local;

/// <summary>The outcome of one external command.</summary>
internal sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => (StandardOutput + Environment.NewLine + StandardError).Trim();
}

/// <summary>
/// Runs the external programs a local server needs (initdb, postgres, pgbouncer, psql). When this process is root it
/// runs them as the <c>postgres</c> OS user, because initdb, postgres and pgbouncer refuse to run as root; it does so
/// with <c>setpriv</c>, which executes the program in place (no fork), so the server stays this process's own child:
/// it is stopped by its PID and reaped here, never left as a zombie for an init that may not reap.
/// Every command starts in <c>/</c>: a root working directory under <c>/root</c> is not traversable by that user.
/// </summary>
internal sealed class OsCommand
{
    /// <summary>The OS user that owns and runs the server when the tests run as root.</summary>
    public const string ServerUser = "postgres";

    private const string SetPriv = "/usr/bin/setpriv";
    private readonly string? _runAs;

    private OsCommand(string? runAs) => _runAs = runAs;

    /// <summary>Commands run as the current user, whoever that is.</summary>
    public static OsCommand AsCurrentUser { get; } = new(null);

    /// <summary>The OS user the server runs as, or <see langword="null"/> for the current user.</summary>
    public string? RunAs => _runAs;

    /// <summary>Commands run as the current user; as <c>postgres</c> when the current user is root.</summary>
    public static OsCommand ForServer()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return AsCurrentUser;
        }

        if (!File.Exists(SetPriv))
        {
            throw new PostgresServerException(
                $"The test run is root, and PostgreSQL refuses to run as root, but {SetPriv} (util-linux) is missing to run it as the '{ServerUser}' user. Install util-linux or run the tests as a non-root user.");
        }

        if (!OsUser.Exists(ServerUser))
        {
            throw new PostgresServerException(
                $"The test run is root, and PostgreSQL refuses to run as root, but there is no '{ServerUser}' OS user to run it as. Install the server package (apt-get install postgresql-15), which creates it, or run the tests as a non-root user.");
        }

        return new OsCommand(ServerUser);
    }

    /// <summary>Runs <paramref name="fileName"/> and waits for it, capturing its output.</summary>
    public async Task<CommandResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var start = StartInfo(fileName, arguments, environment);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;

        using var process = Process.Start(start)
            ?? throw new PostgresServerException($"Could not start '{fileName}'.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);

        var limit = timeout ?? TimeSpan.FromMinutes(2);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new PostgresServerException(
                $"'{Path.GetFileName(fileName)} {string.Join(' ', arguments)}' did not finish within {limit.TotalSeconds:0} s and was stopped.");
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

    /// <summary>
    /// Starts a long-running program (a server) as this process's child, with its standard output and error appended
    /// to <paramref name="logPath"/>. The returned process's PID is the program's own.
    /// </summary>
    public Process StartServer(string fileName, IEnumerable<string> arguments, string logPath)
    {
        // sh redirects and then replaces itself with the program (exec), so no shell stays in between.
        string[] shell = ["-c", "exec \"$0\" \"$@\" </dev/null >>\"$LOGFILE\" 2>&1", fileName, .. arguments];
        var start = StartInfo("/bin/sh", shell, new Dictionary<string, string> { ["LOGFILE"] = logPath });
        return Process.Start(start) ?? throw new PostgresServerException($"Could not start '{fileName}'.");
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

    private ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo { WorkingDirectory = "/", UseShellExecute = false };
        if (_runAs is null)
        {
            start.FileName = fileName;
        }
        else
        {
            start.FileName = SetPriv;
            start.Environment["HOME"] = "/"; // not root's home: the server user cannot read it, and must not try
            foreach (var argument in new[] { $"--reuid={_runAs}", $"--regid={_runAs}", "--init-groups", "--", fileName })
            {
                start.ArgumentList.Add(argument);
            }
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

        return start;
    }
}
