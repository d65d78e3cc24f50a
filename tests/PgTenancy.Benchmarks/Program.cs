// Tenant-binding throughput against a baseline measured in the same run, on a throwaway hardened server.
// Usage: dotnet run -c Release --project tests/PgTenancy.Benchmarks -- [--rounds N] [--ops N] [--latency-ms N]
// --latency-ms routes every connection through a proxy that delays each direction by N ms (a network, modelled).
// Prints a Markdown table (medians, spread, ratios to the baseline) for docs/benchmarks.md.
using System.Globalization;
using PgTenancy.Benchmarks;

var rounds = Argument(args, "--rounds", 7);
var ops = Argument(args, "--ops", 1500);
var latency = TimeSpan.FromMilliseconds(Argument(args, "--latency-ms", 0));

Console.Error.WriteLine($"Setting up: 100 tenants x 1000 rows, {rounds} rounds x {ops} operations per variant…");
await using var bench = await BenchmarkDatabase.CreateAsync(latency);
var variants = Variants.All(bench);
var results = await Runner.RunAsync(variants, rounds, ops);
Console.WriteLine(Report.Markdown(results, rounds, ops, bench.ServerDescription, latency));
return 0;

static int Argument(string[] args, string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
