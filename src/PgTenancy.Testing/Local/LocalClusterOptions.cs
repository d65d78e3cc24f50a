namespace PgTenancy.Testing.Local;

/// <summary>What a local cluster is asked for; built by <see cref="PostgresServerBuilder"/>.</summary>
/// <param name="Port">A fixed port, or <see langword="null"/> for a free one.</param>
/// <param name="PgAudit">Preload pgaudit when it is installed.</param>
/// <param name="PgAuditRequired">Fail when pgaudit is not installed instead of starting without it.</param>
/// <param name="OwnerPid">The process whose death stops the cluster (this process, unless a test says otherwise).</param>
/// <param name="ExtraSettings">Settings appended after the hardened ones (tests of weakened servers).</param>
/// <param name="HbaOverride">A pg_hba.conf replacing the hardened one (tests of weakened servers).</param>
internal sealed record LocalClusterOptions(int? Port, bool PgAudit, bool PgAuditRequired, int OwnerPid, string? ExtraSettings = null, string? HbaOverride = null);
