namespace PgTenancy.Doctor.Checks;

/// <summary>
/// A check written as one catalog query: every row it returns is a finding, as <c>(object, message)</c>, or as
/// <c>(object, message, severity)</c> where a finding is milder or worse than the check's severity. The query
/// may use <c>@app_role</c>, <c>@tenant_column</c>, <c>@tenant_setting</c> and <c>@binding_schema</c>, always sent as parameters.
/// </summary>
internal sealed record SqlCheck(DoctorCheck Definition, string Sql, Requirement Requirement = Requirement.None);
