namespace WebApi.Domain;

/// <summary>
/// The database roles the migrations name. Rename them to yours: the app role is the one the API connects as
/// (NOSUPERUSER NOBYPASSRLS, owns nothing); the embedded server's database "webapi" makes exactly this one.
/// </summary>
public static class ShopRoles
{
    public const string App = "webapi_app";
}
