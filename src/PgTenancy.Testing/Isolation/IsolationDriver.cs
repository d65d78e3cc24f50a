using System.Diagnostics;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Npgsql;

namespace PgTenancy.Testing.Isolation;

/// <summary>
/// Drives a verification: reads the table shapes, runs the catalog oracle, then lets FsCheck generate, run and
/// shrink cases, and turns a failure into a <see cref="TenantIsolationException"/> with the counterexample.
/// </summary>
/// <param name="options">What to generate and how to run it.</param>
/// <param name="tables">The tenant tables to verify.</param>
/// <param name="tenancy">The application's binding options (setting name, tenant kind).</param>
/// <param name="choices">Per table and column, the only values the application's model can read (see <see cref="ColumnShape.Choices"/>).</param>
internal sealed class IsolationDriver(
    IsolationOptions options, IReadOnlyList<TenantTable> tables, TenancyOptions tenancy, IReadOnlyDictionary<TenantTable, IReadOnlyDictionary<string, IReadOnlyList<string>>>? choices = null)
{
    /// <summary>Creates the channels under test for one case: through PgBouncer or directly.</summary>
    public delegate (ISqlChannel Sql, IEntityChannel? Entities) ChannelFactory(bool throughPgBouncer, TableShape[] shapes);

    public async Task<IsolationReport> RunAsync(ChannelFactory channels, bool entityFramework, CancellationToken cancellationToken)
    {
        options.Validate();
        if (tables.Count == 0)
        {
            throw new ArgumentException("No tenant tables to verify. Mark entities with IsTenantScoped(), or pass the tables' names.");
        }

        var clock = Stopwatch.StartNew();
        var oracle = NpgsqlDataSource.Create(options.OracleConnectionString);
        await using var oracleScope = oracle.ConfigureAwait(false);
        await RequireOracleRoleAsync(oracle, cancellationToken).ConfigureAwait(false);
        var shapes = WithChoices(await ShapeReader.ReadAsync(oracle, tables, cancellationToken).ConfigureAwait(false));
        var tenantKind = options.TenantKind ?? tenancy.TenantKind;
        var warnings = new List<string>();
        var (appSql, _) = channels(false, shapes);
        var appRole = await AppRoleAsync(appSql, tenantKind, cancellationToken).ConfigureAwait(false);
        if (options.CheckCatalog)
        {
            var (errors, found) = await CatalogOracle.CheckAsync(oracle, appRole, tenancy.SettingName, shapes, options.KeysWithoutTenant, cancellationToken).ConfigureAwait(false);
            warnings.AddRange(found);
            if (errors.Count > 0)
            {
                throw new TenantIsolationException(
                    $"Tenant isolation: the catalog oracle found {errors.Count} problem(s) on {string.Join(", ", tables)} for the app role \"{appRole}\":\n"
                    + string.Join("\n", errors.Select(e => "  - " + e)),
                    "catalog", replay: null);
            }
        }

        foreach (var warning in warnings)
        {
            options.Log?.Invoke("warning: " + warning);
        }

        // With a signing key the setting holds a token: the probe reads the tenant the policies see, the verified one.
        var verifier = tenancy.SigningKey is null ? null : PgTenancy.Binding.VerificationSql.VerifyFunction(tenancy);
        var sideEffects = await ShapeReader.SideEffectObjectsAsync(oracle, tables, cancellationToken).ConfigureAwait(false);
        if (sideEffects.Length > 0)
        {
            options.Log?.Invoke($"Triggers or rules write on their own ({string.Join("; ", sideEffects)}): tenants take turns, and each step's writes are attributed to its tenant.");
        }

        var runner = new CaseRunner(shapes, oracle, tenancy.SettingName, verifier, options.KeysWithoutTenant, sideEffects);
        var generator = new CaseGenerator(options, tenantKind, TenantRange(shapes), shapes.Length, entityFramework, options.PgBouncerConnectionString is not null);
        if (generator.Kinds().Length == 0)
        {
            throw new ArgumentException("IsolationOptions.Operations holds only EntityFramework, which the ADO.NET entry point cannot run: add Reads, Writes or another kind.");
        }

        var failures = new Dictionary<IsolationCase, CaseFailure>(ReferenceEqualityComparer.Instance);
        int casesRun = 0, skipped = 0, operations = 0;
        var property = Prop.ForAll(generator.Arbitrary(), @case =>
        {
            // The first case always runs: a verification that ran nothing must not pass.
            if (options.TimeBudget is { } budget && clock.Elapsed > budget && failures.Count == 0 && casesRun > 0)
            {
                skipped++;
                return true;
            }

            var (sql, entities) = channels(@case.ThroughPgBouncer, shapes);
            // FsCheck calls properties synchronously; the case runs on the thread pool, away from any caller's context.
            var failure = Task.Run(() => runner.RunAsync(@case, sql, entities, cancellationToken), cancellationToken).GetAwaiter().GetResult();
            if (failures.Count == 0)
            {
                casesRun++;
                operations += @case.OperationCount;
            }

            if (failure is not null)
            {
                failures[@case] = failure;
            }

            return failure is null;
        });

        var capture = new ResultCapture();
        var config = Config.Quick
            .WithMaxTest(options.Cases)
            .WithRunner(capture)
            .WithQuietOnSuccess(true);
        if (options.Replay is not null)
        {
            config = config.WithReplay(FSharpOption<FsCheck.Replay>.Some(ParseReplay(options.Replay)));
        }

        options.Log?.Invoke($"Verifying tenant isolation of {string.Join(", ", tables)} as \"{appRole}\": up to {options.Cases} cases…");
        Check.One(config, property);
        cancellationToken.ThrowIfCancellationRequested();

        if (capture.Result is TestResult.Failed failed)
        {
            var shrunk = (IsolationCase)failed.Item3.Head;
            var replay = string.Create(CultureInfo.InvariantCulture, $"{failed.Item6.Seed},{failed.Item6.Gamma},{failed.Item7}");
            if (failures.Count == 0)
            {
                // No finding was recorded: the case threw before it could report one. Say so with the real error,
                // never with an error of the bookkeeping ("Sequence contains no elements").
                var error = failed.Item4 is FsCheck.Outcome.Failed outcome ? outcome.Item : null;
                throw new InvalidOperationException(
                    $"The isolation kit failed while running a case, before it could judge it: {error?.GetType().Name}: {error?.Message} "
                    + $"Run it again with IsolationOptions.Replay = \"{replay}\".",
                    error);
            }

            var failure = failures.TryGetValue(shrunk, out var f) ? f : failures.Values.Last();
            throw new TenantIsolationException(
                Counterexample.Describe(failure, shrunk, appRole, failed.Item1.NumberOfTests, failed.Item1.NumberOfShrinks, replay),
                failure.Finding.Oracle, replay);
        }

        var report = new IsolationReport(casesRun, skipped, operations, clock.Elapsed, [.. tables.Select(t => t.ToString())], warnings);
        options.Log?.Invoke("Tenant isolation holds: " + report);
        return report;
    }

    /// <summary>The integer tenants every tenant column holds: the narrowest column's range (a wider id could not be seeded).</summary>
    private static (long Min, long Max) TenantRange(TableShape[] shapes)
    {
        var types = shapes.Select(s => s.Column(s.TenantColumn).Type).ToList();
        return types.Contains("smallint") ? (short.MinValue, short.MaxValue)
            : types.Contains("integer") ? (int.MinValue, int.MaxValue)
            : (long.MinValue, long.MaxValue);
    }

    private static async Task RequireOracleRoleAsync(NpgsqlDataSource oracle, CancellationToken cancellationToken)
    {
        var row = (await OracleSql.QueryAsync(oracle, "SELECT current_user::text, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user", [], cancellationToken).ConfigureAwait(false))[0];
        if (!(bool)row[1]!)
        {
            throw new ArgumentException(
                $"IsolationOptions.OracleConnectionString connects as \"{row[0]}\", which row-level security applies to: the oracle's reads would be filtered too. Use a superuser or a role with BYPASSRLS (the kit only reads, truncates and seeds with it).");
        }
    }

    /// <summary>The role the channel under test connects as, asked through the channel itself (bound to a throwaway tenant).</summary>
    private static async Task<string> AppRoleAsync(ISqlChannel sql, TenantIdKind kind, CancellationToken cancellationToken)
    {
        var probe = kind switch
        {
            TenantIdKind.Uuid => TenantId.From(new Guid("ffffffff-ffff-4fff-bfff-ffffffffffff")),
            TenantIdKind.BigInt => TenantId.From(0),
            _ => TenantId.FromText("pgtenancy-probe"),
        };
        using (TenantScope.Begin(probe))
        {
            var rows = await sql.QueryAsync(new Statement("SELECT current_user::text", []), cancellationToken).ConfigureAwait(false);
            return rows[0][0]!;
        }
    }

    private static FsCheck.Replay ParseReplay(string replay)
    {
        var parts = replay.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length is < 2 or > 3
            || !ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
            || !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var gamma)
            || (parts.Length == 3 && !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new ArgumentException($"IsolationOptions.Replay \"{replay}\" is not a replay string: copy the \"seed,gamma,size\" from the TenantIsolationException message.", nameof(replay));
        }

        var size = parts.Length == 3 ? FSharpOption<int>.Some(int.Parse(parts[2], CultureInfo.InvariantCulture)) : FSharpOption<int>.None;
        return new FsCheck.Replay(new Rnd(seed, gamma), size);
    }

    /// <summary>Keeps FsCheck's result instead of printing it: the kit writes its own message.</summary>
    private sealed class ResultCapture : IRunner
    {
        public TestResult? Result { get; private set; }

        public void OnStartFixture(Type t)
        {
        }

        public void OnArguments(int ntest, Microsoft.FSharp.Collections.FSharpList<object> args, FSharpFunc<int, FSharpFunc<Microsoft.FSharp.Collections.FSharpList<object>, string>> every)
        {
        }

        public void OnShrink(Microsoft.FSharp.Collections.FSharpList<object> args, FSharpFunc<Microsoft.FSharp.Collections.FSharpList<object>, string> everyShrink)
        {
        }

        public void OnFinished(string name, TestResult testResult) => Result = testResult;
    }

    private TableShape[] WithChoices(TableShape[] shapes) =>
        choices is null
            ? shapes
            : [.. shapes.Select(shape => choices.TryGetValue(shape.Table, out var columns)
                ? shape with { Columns = [.. shape.Columns.Select(c => columns.TryGetValue(c.Name, out var values) ? c with { Choices = values } : c)] }
                : shape)];
}
