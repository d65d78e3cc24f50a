namespace PgTenancyWebApp.Data;

/// <summary>The database roles the migrations name. An administrator provisions them; the migrations only check and grant.</summary>
public static class AppRoles
{
    /// <summary>The application's login role: NOSUPERUSER, NOBYPASSRLS, owns nothing; the policies apply to it.</summary>
    public const string App = "tenantapp_app";
}
