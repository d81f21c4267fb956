"""Spanish readings: what a Spanish newsreader says for numbers, money, dates and times."""

from __future__ import annotations

import pytest

from briefing.normalize.normalizer import NormalizeOptions, normalize

SPANISH = NormalizeOptions(language="es")

CASES = [
    ("El 1 de enero de 2024", "El primero de enero de dos mil veinticuatro"),
    ("10 mayo 1990", "diez de mayo de mil novecientos noventa"),
    ("a las 13:30", "a las trece y media"),
    ("a las 9:15", "a las nueve y cuarto"),
    ("a las 5:02 p. m.", "a las cinco y dos de la tarde"),
    ("3,5 %", "tres coma cinco por ciento"),
    ("12.000 personas", "doce mil personas"),
    ("12 000 personas", "doce mil personas"),
    ("5,50 €", "cinco euros cincuenta céntimos"),
    ("€5.50", "cinco euros cincuenta céntimos"),
    ("$2", "dos dólares"),
    ("1 $", "un dólar"),
    ("£1", "una libra"),
    ("2,3 billones de euros", "dos coma tres billones de euros"),
    ("€2 millones", "dos millones de euros"),
    ("el 2.º puesto", "el segundo puesto"),
    ("la 3.ª vez", "la tercera vez"),
    ("el 1.er lugar", "el primer lugar"),
    ("el 13.º", "el decimotercero"),
    ("el 28.º", "el vigesimoctavo"),
    ("Sr. García y la Dra. López", "señor García y la doctora López"),
    ("EE. UU.", "Estados Unidos"),
    ("-4 °C", "menos cuatro grados Celsius"),
    ("1 millón", "un millón"),
    ("21 personas", "veintiuna personas"),
    ("uno de ellos", "uno de ellos"),
    ("1 hora", "una hora"),
    ("200 km/h", "doscientos kilómetros por hora"),
    ("5 USD", "cinco dólares estadounidenses"),
]


@pytest.mark.parametrize(("written", "spoken"), CASES)
def test_spanish_reading(written: str, spoken: str) -> None:
    assert normalize(written, SPANISH) == spoken
