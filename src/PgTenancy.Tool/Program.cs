using PgTenancy.Tool;

// Colours only for a person at a terminal, never in a redirected (CI) log.
return await CommandLine.RunAsync(args, Console.Out, Console.Error, colour: !Console.IsOutputRedirected).ConfigureAwait(false);
