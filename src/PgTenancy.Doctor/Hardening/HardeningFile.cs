namespace PgTenancy.Doctor.Hardening;

/// <summary>A file <see cref="HardenedConfiguration.Generate"/> wrote.</summary>
/// <param name="Name">The file's name in the output folder.</param>
/// <param name="InstallPath">Where it goes on a server of the input's layout.</param>
/// <param name="Content">The text.</param>
/// <param name="Secret">A private key or SCRAM secrets: written with mode 0600.</param>
internal sealed record HardeningFile(string Name, string InstallPath, string Content, bool Secret = false);
