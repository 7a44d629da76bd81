"""The citizen registry: people, their phones, relatives, documents and consents."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel
from core.validators import fold_name, format_phone, format_snils
from directory.models import District


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    UNKNOWN = "unknown", _("not stated")


class DisabilityGroup(models.TextChoices):
    NONE = "", _("none")
    GROUP_1 = "1", _("group I")
    GROUP_2 = "2", _("group II")
    GROUP_3 = "3", _("group III")


class Person(VersionedModel):
    """A citizen who receives help (FHIR Patient)."""

    surname = models.CharField(_("surname"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True, db_index=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)

    address = models.CharField(_("address"), max_length=300, blank=True)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("district"),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    snils = models.CharField(_("SNILS"), max_length=11, null=True, blank=True, unique=True)
    oms_number = models.CharField(_("OMS policy number"), max_length=16, null=True, blank=True, unique=True)

    disability_group = models.CharField(
        _("disability group"), max_length=1, choices=DisabilityGroup.choices, blank=True, default=""
    )
    chronic_illness = models.BooleanField(_("chronic illness"), default=False)
    lives_alone = models.BooleanField(_("lives alone"), default=False)
    self_isolating = models.BooleanField(_("self-isolating"), default=False)
    preferred_language = models.CharField(_("preferred language"), max_length=50, blank=True, default="ru")
    contact_times = models.CharField(_("when to call"), max_length=200, blank=True)

    # Search columns: lower-case with ё folded to е, kept in step by Person.save() and the services.
    surname_folded = models.CharField(_("surname (for search)"), max_length=100, editable=False, default="")
    given_name_folded = models.CharField(_("given name (for search)"), max_length=100, editable=False, default="")
    patronymic_folded = models.CharField(_("patronymic (for search)"), max_length=100, editable=False, default="")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        ordering = ["surname", "given_name", "patronymic"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' in any collation;
            # SQLite ignores opclasses and the search uses a range scan there instead.
            models.Index(
                fields=["surname_folded", "given_name_folded"],
                name="person_name_search",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["district", "surname_folded"], name="person_district_name"),
            # One surname's bearers in the order the search shows them, read a page at a time (the
            # pattern_ops index above cannot give this order on PostgreSQL): people.selectors.search_people.
            models.Index(
                fields=["surname_folded", "given_name_folded", "patronymic_folded", "birth_date", "id"],
                name="person_name_order",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(surname=""), name="person_surname_not_empty"),
            models.CheckConstraint(condition=~Q(given_name=""), name="person_given_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.refresh_folded_names()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def refresh_folded_names(self) -> None:
        self.surname_folded = fold_name(self.surname)
        self.given_name_folded = fold_name(self.given_name)
        self.patronymic_folded = fold_name(self.patronymic)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)

    @property
    def short_name(self) -> str:
        """The surname in its dictionary form with initials, as a Russian document writes them:
        «Новикова А. Б.»."""
        initials = " ".join(f"{p[0]}." for p in (self.given_name, self.patronymic) if p)
        return f"{self.surname} {initials}".strip()

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = timezone.localdate()
        before_birthday = (today.month, today.day) < (self.birth_date.month, self.birth_date.day)
        return today.year - self.birth_date.year - int(before_birthday)

    @property
    def is_senior(self) -> bool:
        """65 and older: the group the call centre was opened for."""
        return (self.age or 0) >= 65

    @property
    def snils_display(self) -> str:
        return format_snils(self.snils or "")

    def vulnerability_labels(self) -> list[str]:
        labels: list[str] = []
        if self.is_senior:
            labels.append(str(_("65+")))
        if self.disability_group:
            labels.append(str(_("disability %(group)s") % {"group": self.get_disability_group_display()}))
        if self.chronic_illness:
            labels.append(str(_("chronic illness")))
        if self.lives_alone:
            labels.append(str(_("lives alone")))
        if self.self_isolating:
            labels.append(str(_("self-isolating")))
        return labels


class Surname(models.Model):
    """Every surname (folded) a citizen of the registry has had: the dictionary the misspelt-name search
    looks similar surnames up in (``people.selectors.similar_surnames``), a few thousand rows however
    many citizens share them.

    Kept by database triggers on ``people_person`` (migration 0003), so that every way of writing a
    person — services, ``bulk_create`` in the seeders, a data migration — adds its surname; a surname
    nobody has any more stays and simply finds nobody. PostgreSQL looks it up with a ``pg_trgm`` GIN
    index, SQLite with an FTS5 trigram table beside it (see the migration and the selector).
    """

    folded = models.CharField(_("surname (for search)"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("surname")
        verbose_name_plural = _("surnames")

    def __str__(self) -> str:
        return self.folded


class PersonPhone(models.Model):
    class Kind(models.TextChoices):
        MOBILE = "mobile", _("mobile")
        HOME = "home", _("home")
        WORK = "work", _("work")
        OTHER = "other", _("other")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones", verbose_name=_("citizen"))
    number = models.CharField(_("phone"), max_length=16, db_index=True, help_text=_("stored in E.164"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MOBILE)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "number"], name="person_phone_unique"),
        ]

    def __str__(self) -> str:
        return format_phone(self.number)

    @property
    def display(self) -> str:
        return format_phone(self.number)


class ContactPerson(TimeStampedModel):
    """A relative, neighbour or trusted person (FHIR RelatedPerson)."""

    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("son or daughter")
        GRANDCHILD = "grandchild", _("grandchild")
        SIBLING = "sibling", _("brother or sister")
        OTHER_RELATIVE = "relative", _("other relative")
        NEIGHBOUR = "neighbour", _("neighbour")
        FRIEND = "friend", _("friend")
        GUARDIAN = "guardian", _("guardian or trustee")
        OTHER = "other", _("other")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("citizen"))
    full_name = models.CharField(_("full name"), max_length=300)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    phone = models.CharField(_("phone"), max_length=16, blank=True, db_index=True)
    may_contact = models.BooleanField(
        _("citizen allows us to contact them"),
        default=False,
        help_text=_("Only contact this person if the citizen agreed."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone) if self.phone else ""


class IdentityDocument(TimeStampedModel):
    class Kind(models.TextChoices):
        PASSPORT = "passport", _("passport")
        SNILS = "snils", _("SNILS card")
        OMS = "oms", _("OMS policy")
        DISABILITY = "disability", _("disability certificate")
        PENSION = "pension", _("pension certificate")
        BIRTH = "birth", _("birth certificate")
        OTHER = "other", _("other document")

    class Status(models.TextChoices):
        OK = "ok", _("in hand")
        LOST = "lost", _("lost")
        RESTORING = "restoring", _("being restored")
        RESTORED = "restored", _("restored")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents", verbose_name=_("citizen"))
    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("series and number"), max_length=50, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OK)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}".strip()


class Consent(TimeStampedModel):
    """A consent the citizen gave (FHIR Consent); withdrawn consents stay for the record."""

    class Scope(models.TextChoices):
        PD_PROCESSING = "pd_processing", _("processing of personal data")
        PROGRAMME = "programme", _("participation in a programme")
        CONTACT_RELATIVES = "contact_relatives", _("contacting relatives")
        SHARE_WITH_HOSPITAL = "share_with_hospital", _("sharing data with a hospital")
        SHARE_WITH_TCSO = "share_with_tcso", _("sharing data with a TCSO")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("citizen"))
    scope = models.CharField(_("scope"), max_length=30, choices=Scope.choices)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    evidence = models.CharField(
        _("evidence"),
        max_length=300,
        blank=True,
        help_text=_("e.g. said on a recorded call, signed form No. …"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawal recorded by"),
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return self.get_scope_display()

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
