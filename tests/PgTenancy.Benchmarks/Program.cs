// Tenant-binding throughput against a baseline measured in the same run, on a throwaway hardened server.
// Usage: dotnet run -c Release --project tests/PgTenancy.Benchmarks -- [--rounds N] [--ops N] [--latency-ms N]
// --latency-ms routes every connection through a proxy that delays each direction by N ms (a network, modelled).
// --connection "Max Auto Prepare=20" adds connection string settings to every pool; --only signed keeps the variants
// whose pattern contains "signed" (or "bind shape": the candidate bind statements), with the baseline and the unsigned
// binding of each group.
// Prints a Markdown table (medians, spread, ratios to the baseline) for docs/benchmarks.md.
// Or: dotnet run -c Release --project tests/PgTenancy.Benchmarks -- doctor [--tables N] [--rounds N]
// times a full doctor run on a database of N tenant tables against one with none.
// Or: dotnet run -c Release --project tests/PgTenancy.Benchmarks -- hardening [--rounds N] [--ops N]
// measures TLS against plain TCP and pgaudit's log bytes per statement with the generated settings.
// Or: dotnet run -c Release --project tests/PgTenancy.Benchmarks -- isolation [--cases N] [--rounds N]
// times the isolation kit on the five-table shop, directly and through PgBouncer, against a one-table model.
// Or: PGTENANCY_CITUS_CONNECTION=… dotnet run -c Release --project tests/PgTenancy.Benchmarks -- citus [--rounds N] [--ops N]
// measures Citus mode on a coordinator: bound point selects local, routed and fanned out, and the inline policy's scan cost.
// Or: dotnet run -c Release --project tests/PgTenancy.Benchmarks -- saturation [--clients N] [--seconds N] [--rounds N]
//     [--connection "<settings>"] [--endpoint direct|PgBouncer]
// runs N concurrent clients (more than the cores) on the point read, raw against bound, with CPU per operation.
// Or: dotnet run -c Release --project tests/PgTenancy.Benchmarks -- endurance [--operations N] [--tenants N] [--workers N] [--pool N]
// runs N randomized, oracle-checked operations per endpoint with faults and restarts throughout; violations must be 0.
using System.Globalization;
using PgTenancy.Benchmarks;

if (args.Length > 0 && args[0] == "doctor")
{
    Console.WriteLine(await DoctorBenchmark.RunAsync(Argument(args, "--tables", 500), Argument(args, "--rounds", 7)));
    return 0;
}

if (args.Length > 0 && args[0] == "hardening")
{
    Console.WriteLine(await HardeningBenchmark.RunAsync(Argument(args, "--rounds", 5), Argument(args, "--ops", 2000)));
    return 0;
}

if (args.Length > 0 && args[0] == "isolation")
{
    Console.WriteLine(await IsolationKitBenchmark.RunAsync(Argument(args, "--cases", 200), Argument(args, "--rounds", 3)));
    return 0;
}

if (args.Length > 0 && args[0] == "endurance")
{
    Console.WriteLine(await PgTenancy.Benchmarks.Endurance.EnduranceBenchmark.RunAsync(
        Argument(args, "--operations", 1_000_000), Argument(args, "--tenants", 64), Argument(args, "--workers", 8), Argument(args, "--pool", 3)));
    return 0;
}

if (args.Length > 0 && args[0] == "citus")
{
    var coordinator = Environment.GetEnvironmentVariable("PGTENANCY_CITUS_CONNECTION")
        ?? throw new InvalidOperationException("Set PGTENANCY_CITUS_CONNECTION to a superuser connection string of a Citus coordinator (docs/citus.md).");
    Console.WriteLine(await CitusBenchmark.RunAsync(coordinator, Argument(args, "--rounds", 5), Argument(args, "--ops", 2000)));
    return 0;
}

if (args.Length > 0 && args[0] == "saturation")
{
    Console.WriteLine(await SaturationBenchmark.RunAsync(
        Argument(args, "--clients", 8), Argument(args, "--seconds", 5), Argument(args, "--rounds", 3), Text(args, "--connection", ""), Text(args, "--endpoint", "")));
    return 0;
}

var rounds = Argument(args, "--rounds", 7);
var ops = Argument(args, "--ops", 1500);
var latency = TimeSpan.FromMilliseconds(Argument(args, "--latency-ms", 0));

Console.Error.WriteLine($"Setting up: 100 tenants x 1000 rows, {rounds} rounds x {ops} operations per variant…");
await using var bench = await BenchmarkDatabase.CreateAsync(latency, Text(args, "--connection", ""));
var only = Text(args, "--only", "");
var variants = Variants.All(bench)
    .Where(v => only.Length == 0 || v.Pattern == Variant.Baseline || v.IsUnsignedBinding || v.Pattern.Contains(only, StringComparison.Ordinal))
    .ToList();
if (bench.ExtraSettings.Length > 0)
{
    Console.WriteLine($"Connection settings added to every pool: `{bench.ExtraSettings}`.");
}

var results = await Runner.RunAsync(variants, rounds, ops);
Console.WriteLine(Report.Markdown(results, rounds, ops, bench.ServerDescription, latency));
return 0;

static string Text(string[] args, string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}

static int Argument(string[] args, string name, int fallback) =>
    Text(args, name, "") is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
