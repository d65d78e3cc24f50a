namespace PgTenancy.Tool.Backups;

/// <summary>A backup, verification or export could not be done; the message says why and what to do.</summary>
internal sealed class BackupException(string message) : Exception(message);
