namespace PgTenancy.Testing.Roles;

/// <summary>A login role made for a test database, with its random password (kept in memory only).</summary>
internal sealed record TestLogin(string Name, string Password)
{
    public override string ToString() => Name; // never the password
}
