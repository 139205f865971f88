"""What a Roomby home can contain: room types, furniture types, colours and their geometry.

Everything that names a thing in the world lives here, so that the instruction templates, the
parser, the speech grammar and the map's semantic channels all grow together when a type or a
colour is added.
"""

from __future__ import annotations

from dataclasses import dataclass

ROOM_TYPES: tuple[str, ...] = (
    "living_room",
    "kitchen",
    "bedroom",
    "bathroom",
    "office",
    "hallway",
)

COLORS: dict[str, tuple[float, float, float]] = {
    "red": (0.85, 0.10, 0.10),
    "green": (0.10, 0.62, 0.20),
    "blue": (0.15, 0.30, 0.85),
    "yellow": (0.95, 0.85, 0.10),
    "white": (0.97, 0.97, 0.97),
    "black": (0.08, 0.08, 0.08),
    "orange": (1.00, 0.50, 0.05),
    "purple": (0.55, 0.15, 0.70),
}
COLOR_NAMES: tuple[str, ...] = tuple(COLORS)

# Kinds of furniture, by what the robot can do with them.
RAISED = "raised"  # on legs: the robot drives underneath, between the legs
SOLID = "solid"  # solid to the floor: an obstacle
FLAT = "flat"  # lies on the floor: driven over


@dataclass(frozen=True)
class FurnitureType:
    """Geometry ranges of one furniture type (metres)."""

    name: str
    kind: str
    width: tuple[float, float]  # along the object's own x axis
    depth: tuple[float, float]  # along its y axis
    height: float  # overall height (top of the seat/top/back)
    clearance: float = 0.0  # free height under a raised object
    top: float = 0.0  # thickness of the raised part above the clearance (0: up to height)
    leg: float = 0.05  # square leg size of raised objects
    against_wall: bool = False  # generators place it flush against a wall


FURNITURE: dict[str, FurnitureType] = {
    t.name: t
    for t in (
        FurnitureType("couch", RAISED, (1.6, 2.2), (0.8, 0.95), 0.85, clearance=0.13, top=0.32),
        FurnitureType("bed", RAISED, (1.4, 1.8), (1.9, 2.1), 0.55, clearance=0.14, top=0.41),
        FurnitureType("table", RAISED, (1.0, 1.6), (0.7, 0.9), 0.75, clearance=0.71, top=0.04),
        FurnitureType("desk", RAISED, (1.0, 1.4), (0.6, 0.7), 0.75, clearance=0.71, top=0.04,
                      against_wall=True),
        FurnitureType("chair", RAISED, (0.6, 0.6), (0.6, 0.6), 0.9, clearance=0.43, top=0.04,
                      leg=0.04),
        FurnitureType("rug", FLAT, (1.2, 2.0), (0.8, 1.4), 0.01),
        FurnitureType("fridge", SOLID, (0.7, 0.8), (0.65, 0.7), 1.8, against_wall=True),
        FurnitureType("plant", SOLID, (0.4, 0.45), (0.4, 0.45), 0.9),
        FurnitureType("bookshelf", SOLID, (0.8, 1.2), (0.32, 0.38), 1.8, against_wall=True),
        FurnitureType("tv_stand", SOLID, (1.2, 1.6), (0.4, 0.45), 0.5, against_wall=True),
    )
}
FURNITURE_TYPES: tuple[str, ...] = tuple(FURNITURE)
RAISED_TYPES: tuple[str, ...] = tuple(n for n, t in FURNITURE.items() if t.kind == RAISED)

# What each room is furnished with: (type, min count, max count), placed in this order.
ROOM_FURNITURE: dict[str, tuple[tuple[str, int, int], ...]] = {
    "living_room": (("couch", 1, 2), ("tv_stand", 0, 1), ("table", 0, 1), ("rug", 0, 1),
                    ("chair", 0, 2), ("bookshelf", 0, 1), ("plant", 0, 2)),
    "kitchen": (("fridge", 1, 1), ("table", 1, 1), ("chair", 1, 3), ("plant", 0, 1)),
    "bedroom": (("bed", 1, 1), ("desk", 0, 1), ("chair", 0, 1), ("rug", 0, 1),
                ("bookshelf", 0, 1), ("plant", 0, 1)),
    "bathroom": (("rug", 0, 1), ("plant", 0, 1)),
    "office": (("desk", 1, 1), ("chair", 1, 2), ("bookshelf", 0, 2), ("couch", 0, 1),
               ("plant", 0, 1)),
    "hallway": (("bookshelf", 0, 1), ("plant", 0, 1), ("rug", 0, 1)),
}

# Colour x object pairs that never appear as a target in training: generalisation to new
# combinations of known words is measured on these, not assumed.
HELDOUT_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {
        ("purple", "couch"),
        ("orange", "bed"),
        ("green", "table"),
        ("yellow", "desk"),
        ("white", "chair"),
        ("black", "fridge"),
        ("blue", "plant"),
        ("red", "bookshelf"),
    }
)

# Robot geometry (metres) and the world's fixed dimensions.
ROBOT_RADIUS = 0.17
ROBOT_HEIGHT = 0.09
# The side brushes sweep a little beyond the body: this is the radius the robot cleans, so
# that it reaches the floor along walls and legs that its body keeps a margin from.
CLEAN_RADIUS = 0.23
WALL_THICKNESS = 0.10
DOOR_WIDTH = (0.85, 1.0)
FLOOR_COLOR = (0.62, 0.52, 0.40)
WALL_COLOR = (0.74, 0.77, 0.80)
