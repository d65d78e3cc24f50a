using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace PgTenancy.Tests;

public sealed class TenantIdTests
{
    [Property(Arbitrary = [typeof(NonEmptyGuids)])]
    public bool Uuid_ids_round_trip_through_their_canonical_text(Guid value)
    {
        var id = TenantId.From(value);

        return TenantId.Parse(id.Value, TenantIdKind.Uuid) == id && TenantId.Parse(id.Value) == id && id.Value == value.ToString("D");
    }

    [Property]
    public bool Bigint_ids_round_trip_through_their_canonical_text(long value)
    {
        var id = TenantId.From(value);

        return TenantId.Parse(id.Value, TenantIdKind.BigInt) == id && id.Kind == TenantIdKind.BigInt;
    }

    [Property]
    public Property Text_without_control_characters_or_padding_is_a_valid_text_id(NonEmptyString text)
    {
        var value = text.Get;
        var valid = value.Length <= TenantId.MaxTextLength && !value.Any(char.IsControl)
            && !char.IsWhiteSpace(value[0]) && !char.IsWhiteSpace(value[^1]);

        return (TenantId.TryParse(value, TenantIdKind.Text, out var id) == valid && (!valid || id!.Value == value))
            .Label($"input: {System.Text.Json.JsonSerializer.Serialize(value)}");
    }

    [Theory]
    [InlineData("7C9E6679-7425-40DE-944B-E07FC1F90AE7", TenantIdKind.Uuid)]
    [InlineData("42", TenantIdKind.BigInt)]
    [InlineData("acme-corp", TenantIdKind.Text)]
    [InlineData("0042", TenantIdKind.Text)]
    [InlineData("-42", TenantIdKind.Text)]
    public void Parse_infers_the_kind_from_the_form(string value, TenantIdKind expected) =>
        Assert.Equal(expected, TenantId.Parse(value).Kind);

    [Fact]
    public void Uuid_ids_are_lower_case_so_one_tenant_has_one_spelling() =>
        Assert.Equal("7c9e6679-7425-40de-944b-e07fc1f90ae7", TenantId.Parse("7C9E6679-7425-40DE-944B-E07FC1F90AE7", TenantIdKind.Uuid).Value);

    [Theory]
    [InlineData("", TenantIdKind.Text, "empty")]
    [InlineData("   ", TenantIdKind.Text, "empty")]
    [InlineData("acme\0", TenantIdKind.Text, "control characters")]
    [InlineData("acme\n", TenantIdKind.Text, "control characters")]
    [InlineData(" acme", TenantIdKind.Text, "white space")]
    [InlineData("acme", TenantIdKind.Uuid, "not a uuid")]
    [InlineData("00000000-0000-0000-0000-000000000000", TenantIdKind.Uuid, "unset Guid")]
    [InlineData("{7c9e6679-7425-40de-944b-e07fc1f90ae7}", TenantIdKind.Uuid, "not a uuid")]
    [InlineData("12.5", TenantIdKind.BigInt, "not a bigint")]
    [InlineData("99999999999999999999", TenantIdKind.BigInt, "not a bigint")]
    public void Malformed_ids_are_refused_with_a_reason(string value, TenantIdKind kind, string reason)
    {
        var error = Assert.Throws<FormatException>(() => TenantId.Parse(value, kind));

        Assert.Contains(reason, error.Message);
        Assert.False(TenantId.TryParse(value, kind, out _));
    }

    [Fact]
    public void Too_long_text_ids_are_refused_with_the_limit()
    {
        var error = Assert.Throws<FormatException>(() => TenantId.FromText(new string('a', TenantId.MaxTextLength + 1)));

        Assert.Contains($"at most {TenantId.MaxTextLength}", error.Message);
    }

    [Fact]
    public void Guid_Empty_is_not_a_tenant() =>
        Assert.Throws<ArgumentException>(() => TenantId.From(Guid.Empty));

    [Fact]
    public void Any_kind_fits_a_text_column_but_only_its_own_kind_fits_the_others()
    {
        var number = TenantId.From(7);

        Assert.True(number.Fits(TenantIdKind.Text));
        Assert.True(number.Fits(TenantIdKind.BigInt));
        Assert.False(number.Fits(TenantIdKind.Uuid));
    }

    public static class NonEmptyGuids
    {
        public static Arbitrary<Guid> Guids() => ArbMap.Default.ArbFor<Guid>().Filter(g => g != Guid.Empty);
    }
}
