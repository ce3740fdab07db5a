"""A realistic, deterministic demo roster written straight to storage (``roster seed``)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import orjson

from roster_tui.core.models import ACCOUNT_ADMIN, ADMIN_ROLES
from roster_tui.core.scim import CORE_USER, ENTERPRISE_USER, ROSTER_USER
from roster_tui.server.storage.documents import extract_columns, unique_keys

FIRST = ("James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
         "Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra "
         "Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol "
         "Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura "
         "Jeffrey Cynthia Ryan Dorothy Jacob Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Emma "
         "Stephen Brenda Larry Pamela Justin Nicole Scott Anna Brandon Samantha Benjamin Katherine Samuel "
         "Christine Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack Olivia Dennis "
         "Heather Jerry Helen Tyler Catherine Aaron Diane Jose Julie Adam Victoria Nathan Joyce Henry Lauren "
         "Zachary Kelly Douglas Christina Peter Ruth Kyle Joan Noah Virginia Ethan Judith Jeremy Evelyn Walter "
         "Hannah Christian Andrea Keith Megan Roger Cheryl Terry Jacqueline Austin Madison Sean Teresa Gerald "
         "Abigail Carl Sophia Harold Martha Dylan Sara Arthur Gloria Lawrence Janice Jordan Kathryn Jesse Ann "
         "Bryan Isabella Billy Judy Bruce Charlotte Gabriel Julia Joe Grace Logan Amber Alan Alice Juan Jean "
         "Albert Denise Willie Frances Elijah Danielle Wayne Marilyn Randy Natalie Vincent Beverly Mason Diana "
         "Roy Brittany Ralph Theresa Bobby Kayla Russell Alexis Bradley Doris Philip Lori Eugene Tiffany "
         "Priya Wei Aisha Mateo Yuki Omar Ingrid Lars Chloe Rafael Fatima Kenji Amara Diego Leila Sven Mei").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
        "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
        "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
        "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
        "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
        "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James "
        "Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
        "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez "
        "Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole "
        "Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens "
        "Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman "
        "Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks "
        "Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza "
        "Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins "
        "Smithson Smithers O'Brien Müller Østergaard Nakamura Okafor Kowalski Lindqvist Dubois Rossi").split()
DEPARTMENTS = {
    "Engineering": ("Software Engineer", "Senior Software Engineer", "Staff Engineer", "QA Analyst",
                    "Engineering Manager", "Site Reliability Engineer"),
    "Sales": ("Account Executive", "Sales Development Rep", "Sales Manager", "Solutions Consultant"),
    "Marketing": ("Marketing Specialist", "Content Strategist", "Marketing Manager", "Designer"),
    "Finance": ("Accountant", "Financial Analyst", "Controller", "Payroll Specialist"),
    "Human Resources": ("HR Generalist", "Recruiter", "HR Business Partner", "HR Manager"),
    "Operations": ("Operations Analyst", "Facilities Coordinator", "Operations Manager", "Buyer"),
    "Customer Support": ("Support Specialist", "Support Team Lead", "Customer Success Manager"),
    "Legal": ("Paralegal", "Counsel", "Compliance Officer"),
    "Manufacturing": ("Machine Operator", "Line Supervisor", "Quality Inspector", "Plant Manager"),
    "Warehouse": ("Warehouse Associate", "Forklift Operator", "Shift Lead", "Inventory Clerk"),
}
DIVISIONS = {"Engineering": "Product", "Marketing": "Go To Market", "Sales": "Go To Market",
             "Customer Support": "Go To Market", "Finance": "Corporate", "Human Resources": "Corporate",
             "Legal": "Corporate", "Operations": "Operations", "Manufacturing": "Operations",
             "Warehouse": "Operations"}
LOCATIONS = ("New York, NY", "San Francisco, CA", "Austin, TX", "Chicago, IL", "Denver, CO", "Remote - US",
             "London, UK", "Toronto, ON", "Dublin, IE", "Berlin, DE", "Singapore", "Columbus, OH")
COURSES = ("Harassment Prevention 2026", "Code of Conduct", "Data Privacy Essentials", "Workplace Safety",
           "Anti-Bribery and Corruption", "Information Security Awareness", "Diversity and Inclusion",
           "Manager Essentials", "Ethics in Practice", "Insider Trading Basics")
STATUS_WEIGHTS = (("completed", 50), ("in_progress", 15), ("not_started", 25), ("cancelled", 10))


def _assignments(rng: random.Random, hired: date, today: date) -> list[dict[str, Any]]:
    count = rng.choices((0, 1, 2, 3, 4, 5), weights=(15, 20, 25, 20, 12, 8))[0]
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    out = []
    for course in rng.sample(COURSES, count):
        status = rng.choices(statuses, weights)[0]
        due = hired + timedelta(days=rng.randint(30, max(31, (today - hired).days + 120)))
        item: dict[str, Any] = {"course": course, "status": status, "dueDate": due.isoformat()}
        if status == "completed":
            done = min(due, today) - timedelta(days=rng.randint(0, 20))
            item["completedAt"] = f"{done.isoformat()}T{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}:00Z"
        out.append(item)
    return out


def generate(users: int, seed: int = 1, domain: str = "acme.example") -> Iterator[dict[str, Any]]:
    """Rows for ``users`` table inserts, deterministic for a given ``seed`` (ids included)."""
    rng = random.Random(seed)
    today = date(2026, 11, 1)
    taken: dict[str, int] = {}
    managers: dict[str, list[str]] = {d: [] for d in DEPARTMENTS}
    departments = list(DEPARTMENTS)
    stamp = f"{today.isoformat()}T00:00:00.000000Z"
    for i in range(users):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        n = taken.get(local, 0) + 1
        taken[local] = n
        email = f"{local}{n if n > 1 else ''}@{domain}"
        department = rng.choice(departments)
        hired = today - timedelta(days=int(rng.expovariate(1 / 1400)) % 11000)
        uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        is_manager = i < 20 or rng.random() < 0.06
        title = rng.choice(DEPARTMENTS[department])
        ent: dict[str, Any] = {"employeeNumber": f"E{100000 + i}", "department": department,
                               "division": DIVISIONS[department]}
        if managers[department]:
            ent["manager"] = {"value": rng.choice(managers[department])}
        if is_manager and len(managers[department]) < 200:
            managers[department].append(uid)
        roles: list[dict[str, Any]] = []
        if i == 0:
            roles = [{"value": ACCOUNT_ADMIN, "primary": True}]
        elif rng.random() < 0.002:
            roles = [{"value": r} for r in rng.sample(ADMIN_ROLES, rng.randint(1, 2))]
        active = rng.random() > 0.08 or i == 0
        assignments = _assignments(rng, hired, today)
        if not active:  # deactivation cancelled what was not completed
            assignments = [a if a["status"] == "completed" else {**a, "status": "cancelled"} for a in assignments]
        doc: dict[str, Any] = {
            "schemas": [CORE_USER, ENTERPRISE_USER, ROSTER_USER],
            "userName": email,
            "name": {"givenName": first, "familyName": last},
            "displayName": f"{first} {last}",
            "title": title,
            "emails": [{"value": email, "type": "work", "primary": True}],
            "active": active,
            **({"roles": roles} if roles else {}),
            ENTERPRISE_USER: ent,
            ROSTER_USER: {"hireDate": hired.isoformat(), "location": rng.choice(LOCATIONS),
                          "trainingAssignments": assignments},
        }
        columns = extract_columns(doc)
        yield {"id": uid, "version": 1, "created": stamp, "last_modified": stamp,
               "doc": orjson.dumps(doc).decode(), **columns, **unique_keys(columns)}
