using Npgsql;

namespace WebApi.Hosting;

/// <summary>
/// The API's two database logins, from configuration: <c>ConnectionStrings:App</c> (the application role, subject to
/// row-level security) and <c>ConnectionStrings:Bypass</c> (a BYPASSRLS role for audited cross-tenant work only).
/// </summary>
public sealed record ShopConnections(string App, string Bypass)
{
    /// <summary>The DI key of the bypass role's data source.</summary>
    public const string BypassKey = "bypass";

    public static ShopConnections From(IConfiguration configuration)
    {
        var app = configuration.GetConnectionString("App");
        var bypass = configuration.GetConnectionString("Bypass");
        if (string.IsNullOrWhiteSpace(app) || string.IsNullOrWhiteSpace(bypass))
        {
            throw new InvalidOperationException(
                "Set ConnectionStrings:App (the application role) and ConnectionStrings:Bypass (a BYPASSRLS role for the admin " +
                "endpoints and jobs), or run in the Development environment to use an embedded PostgreSQL server.");
        }

        return new ShopConnections(app, bypass);
    }

    /// <summary>Where the app role connects, without credentials.</summary>
    public string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(App);
        return $"{builder.Host}:{builder.Port}/{builder.Database} as {builder.Username}";
    }
}
